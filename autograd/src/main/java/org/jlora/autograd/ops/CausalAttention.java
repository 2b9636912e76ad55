package org.jlora.autograd.ops;

import java.util.Arrays;
import org.jlora.engine.Backend;
import org.jlora.engine.Parallel;

/**
 * The core of causal attention on head-major blocks, shared by {@link AttentionOps} (GPT) and
 * {@link GqaAttentionOps} (Llama), that never computes the masked upper triangle. Query rows go
 * in blocks of {@link #BLOCK}; block {@code [i0, i1)} sees keys {@code [0, i1)} only, so its
 * scores are a dense {@code [i1 - i0, i1]} matrix and a head costs about half of the full
 * {@code [T, T]} products (56% at T = 256). Per query head m, reading key/value head m / group:
 *
 * <pre>
 *   S_blk = q[i0:i1]·k[0:i1]ᵀ              [rb, D]·[D, i1] -> [rb, i1]   (q already scaled)
 *   P_blk = softmax over keys j <= i       (the rest of the block's row is 0)
 *   y[i0:i1] = P_blk·v[0:i1]               [rb, i1]·[i1, D] -> [rb, D]
 * </pre>
 *
 * P is kept for backward packed block after block ({@link #packedSize} floats a head). Key and
 * value heads are read in place, never repeated per query head. Each query head is computed
 * wholly by one thread, in a fixed block order, so results do not depend on the thread count.
 */
final class CausalAttention {
  private CausalAttention() {}

  /** Query rows per block: small enough to skip most of the triangle, large enough for the matmul. */
  static final int BLOCK = 32;

  /** Floats of packed P per head: the sum over blocks of rows · visible keys. */
  static int packedSize(int t) {
    int size = 0;
    for (int i0 = 0; i0 < t; i0 += BLOCK) {
      int i1 = Math.min(t, i0 + BLOCK);
      size += (i1 - i0) * i1;
    }
    return size;
  }

  /**
   * q [BH, T, D] (pre-scaled), k and v [BH/group, T, D] -> y [BH, T, D] (written, not added);
   * returns P packed [BH][blocks].
   */
  static float[] forward(Backend be, int bh, int group, int t, int d, float[] q, int qOff, float[] k, int kOff,
                         float[] v, int vOff, float[] y, int yOff) {
    int per = packedSize(t);
    float[] p = new float[bh * per];
    Parallel.forRange(bh, (long) bh * per * d * 2, (from, to) -> {
      for (int m = from; m < to; m++) {
        int qo = m * t * d;
        int kvo = (m / group) * t * d;
        int po = m * per;
        for (int i0 = 0; i0 < t; i0 += BLOCK) {
          int i1 = Math.min(t, i0 + BLOCK);
          int rb = i1 - i0;
          // S [rb, i1] = q[i0:i1] [rb, D] · k[0:i1]ᵀ [D, i1]
          be.matmul(1, rb, i1, d, q, qOff + qo + i0 * d, false, k, kOff + kvo, true, false, p, po, false);
          for (int r = 0; r < rb; r++) {
            int row = po + r * i1;
            int visible = i0 + r + 1;                        // keys 0 .. i0 + r
            be.softmaxRows(1, visible, p, row, p, row);
            Arrays.fill(p, row + visible, row + i1, 0f);     // later keys of the block get weight 0
          }
          // y[i0:i1] [rb, D] = P [rb, i1] · v[0:i1] [i1, D]
          be.matmul(1, rb, d, i1, p, po, false, v, vOff + kvo, false, false, y, yOff + qo + i0 * d, false);
          po += rb * i1;
        }
      }
    });
    return p;
  }

  /**
   * dy [BH, T, D] (from offset 0) -> dq [BH, T, D] (with respect to the scaled q), and dk, dv [BH, T, D] one per
   * query head (the caller sums a group's heads): all three written, not added, and zero on entry.
   *
   * <pre>
   *   dv[0:i1] += P_blkᵀ·dy[i0:i1],  dP = dy[i0:i1]·v[0:i1]ᵀ,  dS = P ∘ (dP - rowsum(dP ∘ P)),
   *   dq[i0:i1] = dS·k[0:i1],         dk[0:i1] += dSᵀ·q[i0:i1]
   * </pre>
   * Masked entries have P = 0, so they get dS = 0 with no mask.
   */
  static void backward(Backend be, int bh, int group, int t, int d, float[] q, int qOff, float[] k, int kOff,
                       float[] v, int vOff, float[] p, float[] dy, float[] dq, int dqOff, float[] dk, int dkOff,
                       float[] dv, int dvOff) {
    int per = packedSize(t);
    Parallel.forRange(bh, (long) bh * per * d * 4, (from, to) -> {
      float[] ds = new float[BLOCK * t];   // one block's dP, then dS in place: [rb, i1]
      for (int m = from; m < to; m++) {
        int qo = m * t * d;
        int kvo = (m / group) * t * d;
        int po = m * per;
        for (int i0 = 0; i0 < t; i0 += BLOCK) {
          int i1 = Math.min(t, i0 + BLOCK);
          int rb = i1 - i0;
          int rows = qo + i0 * d;
          // dv[0:i1] [i1, D] += P_blkᵀ [i1, rb] · dy[i0:i1] [rb, D]
          be.matmul(1, i1, d, rb, p, po, true, dy, rows, false, false, dv, dvOff + qo, true);
          // dP [rb, i1] = dy[i0:i1] [rb, D] · v[0:i1]ᵀ [D, i1]; then dS in place
          be.matmul(1, rb, i1, d, dy, rows, false, v, vOff + kvo, true, false, ds, 0, false);
          be.softmaxBackwardRows(rb, i1, p, po, ds, 0, ds, 0, false);
          // dq[i0:i1] [rb, D] = dS [rb, i1] · k[0:i1] [i1, D]
          be.matmul(1, rb, d, i1, ds, 0, false, k, kOff + kvo, false, false, dq, dqOff + rows, false);
          // dk[0:i1] [i1, D] += dSᵀ [i1, rb] · q[i0:i1] [rb, D]
          be.matmul(1, i1, d, rb, ds, 0, true, q, qOff + rows, false, false, dk, dkOff + qo, true);
          po += rb * i1;
        }
      }
    });
  }
}
