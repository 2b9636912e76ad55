package org.jlora.engine.kernels;

import static org.jlora.engine.AttentionKernels.CAUSAL_BLOCK;

import java.util.Arrays;
import org.jlora.engine.AttentionKernels;
import org.jlora.engine.Parallel;

/**
 * Causal grouped-query attention on the vectorised matmul and softmax kernels, parallel over
 * query heads; the definition is {@link CausalAttentionScalar}'s. A block of query rows
 * {@code [i0, i1)} sees keys {@code [0, i1)} only, so its scores are a dense {@code [rb, i1]}
 * matrix and the masked upper triangle is skipped but for the diagonal blocks (a head costs
 * about half the full {@code [T, T]} products):
 *
 * <pre>
 *   S_blk = q[i0:i1]·k[0:i1]ᵀ              [rb, D]·[D, i1] -> [rb, i1]
 *   P_blk = softmax over keys j <= i       (the rest of the block's row is 0)
 *   y[i0:i1] = P_blk·v[0:i1]               [rb, i1]·[i1, D] -> [rb, D]
 * </pre>
 *
 * Each query head is computed wholly by one thread in a fixed block order, so results do not
 * depend on the thread count; they are the bits of the same matmul and softmax kernels called
 * one by one on the vector backend, with the same arguments.
 */
final class CausalAttentionVector {
  private static final MatmulVector MATMUL = new MatmulVector();
  private static final RowsVector ROWS = new RowsVector();

  private CausalAttentionVector() {}

  /** See {@link CausalAttentionScalar#forward}. */
  // q: [B, H, T, D] (scaled), k, v: [B, Hkv, T, D] -> y: [B, H, T, D], probs: [B, H, packedSize(T)]
  static void forward(int bh, int group, int t, int d, float[] qs, int qOff, float[] ks, int kOff,
                      float[] vs, int vOff, float[] ys, int yOff, float[] p, int pOff) {
    int per = AttentionKernels.packedSize(t);
    Parallel.forRange(bh, (long) bh * per * d * 2, (from, to) -> {
      for (int m = from; m < to; m++) {
        int qo = qOff + m * t * d, yo = yOff + m * t * d;
        int ko = kOff + (m / group) * t * d, vo = vOff + (m / group) * t * d;
        int po = pOff + m * per;
        for (int i0 = 0; i0 < t; i0 += CAUSAL_BLOCK) {
          int i1 = Math.min(t, i0 + CAUSAL_BLOCK);
          int rb = i1 - i0;
          // S [rb, i1] = q[i0:i1] [rb, D] · k[0:i1]ᵀ [D, i1]
          MATMUL.matmul(1, rb, i1, d, qs, qo + i0 * d, false, ks, ko, true, false, p, po, false);
          for (int r = 0; r < rb; r++) {
            int row = po + r * i1;
            int visible = i0 + r + 1;                        // keys 0 .. i0 + r
            ROWS.softmax(1, visible, p, row, p, row);
            Arrays.fill(p, row + visible, row + i1, 0f);     // later keys of the block get weight 0
          }
          // y[i0:i1] [rb, D] = P [rb, i1] · v[0:i1] [i1, D]
          MATMUL.matmul(1, rb, d, i1, p, po, false, vs, vo, false, false, ys, yo + i0 * d, false);
          po += rb * i1;
        }
      }
    });
  }

  /** See {@link CausalAttentionScalar#backward}: dk and dv come one per query head. */
  // q, dy, dq: [B, H, T, D], k, v: [B, Hkv, T, D], probs: [B, H, packedSize(T)] -> dk, dv: [B, H, T, D]
  static void backward(int bh, int group, int t, int d, float[] qs, int qOff, float[] ks, int kOff,
                       float[] vs, int vOff, float[] p, int pOff, float[] g, int dyOff,
                       float[] dqs, int dqOff, float[] dks, int dkOff, float[] dvs, int dvOff) {
    int per = AttentionKernels.packedSize(t);
    Parallel.forRange(bh, (long) bh * per * d * 4, (from, to) -> {
      float[] ds = new float[CAUSAL_BLOCK * t];   // one block's dP, then dS in place: [rb, i1]
      // dk and dv gather over the blocks of query rows: start this chunk's heads from zero
      Arrays.fill(dks, dkOff + from * t * d, dkOff + to * t * d, 0f);
      Arrays.fill(dvs, dvOff + from * t * d, dvOff + to * t * d, 0f);
      for (int m = from; m < to; m++) {
        int own = m * t * d, kv = (m / group) * t * d;   // this query head's block, its key/value head's
        int po = pOff + m * per;
        for (int i0 = 0; i0 < t; i0 += CAUSAL_BLOCK) {
          int i1 = Math.min(t, i0 + CAUSAL_BLOCK);
          int rb = i1 - i0;
          int rows = own + i0 * d;                         // query rows i0.. of this head
          // dv[0:i1] [i1, D] += P_blkᵀ [i1, rb] · dy[i0:i1] [rb, D]
          MATMUL.matmul(1, i1, d, rb, p, po, true, g, dyOff + rows, false, false,
              dvs, dvOff + own, true);
          // dP [rb, i1] = dy[i0:i1] [rb, D] · v[0:i1]ᵀ [D, i1]; then dS in place
          MATMUL.matmul(1, rb, i1, d, g, dyOff + rows, false, vs, vOff + kv, true, false, ds, 0, false);
          ROWS.softmaxBackward(rb, i1, p, po, ds, 0, ds, 0, false);
          // dq[i0:i1] [rb, D] = dS [rb, i1] · k[0:i1] [i1, D]
          MATMUL.matmul(1, rb, d, i1, ds, 0, false, ks, kOff + kv, false, false,
              dqs, dqOff + rows, false);
          // dk[0:i1] [i1, D] += dSᵀ [i1, rb] · q[i0:i1] [rb, D]
          MATMUL.matmul(1, i1, d, rb, ds, 0, true, qs, qOff + rows, false, false,
              dks, dkOff + own, true);
          po += rb * i1;
        }
      }
    });
  }
}
