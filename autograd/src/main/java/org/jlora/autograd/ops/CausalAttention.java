package org.jlora.autograd.ops;

import org.jlora.engine.Backend;
import org.jlora.engine.MatmulKernels;
import org.jlora.engine.Parallel;
import org.jlora.engine.Tensor;

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
  static Tensor forward(Backend be, int bh, int group, int t, int d, Tensor q, Tensor k, Tensor v, Tensor y) {
    int per = packedSize(t);
    Tensor p = Tensor.zeros(bh * per);
    MatmulKernels mm = be.matmul();
    Parallel.forRange(bh, (long) bh * per * d * 2, (from, to) -> {
      for (int m = from; m < to; m++) {
        int qo = m * t * d;
        int kvo = (m / group) * t * d;
        int po = m * per;
        for (int i0 = 0; i0 < t; i0 += BLOCK) {
          int i1 = Math.min(t, i0 + BLOCK);
          int rb = i1 - i0;
          Tensor scores = p.window(po, rb, i1);
          // S [rb, i1] = q[i0:i1] [rb, D] · k[0:i1]ᵀ [D, i1]
          mm.matmul(1, rb, i1, d, q.window(qo + i0 * d, rb, d), false, k.window(kvo, i1, d), true, false, scores, false);
          for (int r = 0; r < rb; r++) {
            int visible = i0 + r + 1;                        // keys 0 .. i0 + r
            Tensor row = scores.window(r * i1, visible);
            be.rows().softmax(1, visible, row, row);
            if (visible < i1) {                              // later keys of the block get weight 0
              be.elementwise().fill(scores.window(r * i1 + visible, i1 - visible), 0f);
            }
          }
          // y[i0:i1] [rb, D] = P [rb, i1] · v[0:i1] [i1, D]
          mm.matmul(1, rb, d, i1, scores, false, v.window(kvo, i1, d), false, false, y.window(qo + i0 * d, rb, d), false);
          po += rb * i1;
        }
      }
    });
    return p;
  }

  /**
   * dy [BH, T, D] -> dq [BH, T, D] (with respect to the scaled q), and dk, dv [BH, T, D] one per
   * query head (the caller sums a group's heads): all three written, not added, and zero on entry.
   *
   * <pre>
   *   dv[0:i1] += P_blkᵀ·dy[i0:i1],  dP = dy[i0:i1]·v[0:i1]ᵀ,  dS = P ∘ (dP - rowsum(dP ∘ P)),
   *   dq[i0:i1] = dS·k[0:i1],         dk[0:i1] += dSᵀ·q[i0:i1]
   * </pre>
   * Masked entries have P = 0, so they get dS = 0 with no mask.
   */
  static void backward(Backend be, int bh, int group, int t, int d, Tensor q, Tensor k, Tensor v, Tensor p,
                       Tensor dy, Tensor dq, Tensor dk, Tensor dv) {
    int per = packedSize(t);
    MatmulKernels mm = be.matmul();
    Parallel.forRange(bh, (long) bh * per * d * 4, (from, to) -> {
      Tensor scratch = Tensor.zeros(BLOCK * t);   // one block's dP, then dS in place: [rb, i1]
      for (int m = from; m < to; m++) {
        int qo = m * t * d;
        int kvo = (m / group) * t * d;
        int po = m * per;
        for (int i0 = 0; i0 < t; i0 += BLOCK) {
          int i1 = Math.min(t, i0 + BLOCK);
          int rb = i1 - i0;
          int rows = qo + i0 * d;
          Tensor pBlock = p.window(po, rb, i1);
          Tensor ds = scratch.window(0, rb, i1);
          Tensor dyBlock = dy.window(rows, rb, d);
          // dv[0:i1] [i1, D] += P_blkᵀ [i1, rb] · dy[i0:i1] [rb, D]
          mm.matmul(1, i1, d, rb, pBlock, true, dyBlock, false, false, dv.window(qo, i1, d), true);
          // dP [rb, i1] = dy[i0:i1] [rb, D] · v[0:i1]ᵀ [D, i1]; then dS in place
          mm.matmul(1, rb, i1, d, dyBlock, false, v.window(kvo, i1, d), true, false, ds, false);
          be.rows().softmaxBackward(rb, i1, pBlock, ds, ds, false);
          // dq[i0:i1] [rb, D] = dS [rb, i1] · k[0:i1] [i1, D]
          mm.matmul(1, rb, d, i1, ds, false, k.window(kvo, i1, d), false, false, dq.window(rows, rb, d), false);
          // dk[0:i1] [i1, D] += dSᵀ [i1, rb] · q[i0:i1] [rb, D]
          mm.matmul(1, i1, d, rb, ds, true, q.window(rows, rb, d), false, false, dk.window(qo, i1, d), true);
          po += rb * i1;
        }
      }
    });
  }
}
