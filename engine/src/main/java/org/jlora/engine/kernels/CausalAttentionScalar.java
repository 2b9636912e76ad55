package org.jlora.engine.kernels;

import static org.jlora.engine.AttentionKernels.CAUSAL_BLOCK;

import java.util.Arrays;
import org.jlora.engine.AttentionKernels;

/**
 * Causal grouped-query attention on head-major blocks, scalar reference: plain loops over the
 * visible keys only. Query head m reads key/value head {@code m / (H/Hkv)} in place. Query rows
 * go in blocks of {@link AttentionKernels#CAUSAL_BLOCK} so the saved probabilities have the
 * packed layout {@link CausalAttentionVector} uses (see {@link AttentionKernels#causalForward}):
 *
 * <pre>
 *   S[i, j] = q[i]·k[j]                 j <= i   (q already scaled by 1/sqrt(D))
 *   P[i, :] = softmax(S[i, 0..i]), 0 after
 *   y[i]    = sum_j P[i, j]·v[j]
 * </pre>
 *
 * Sums run in float in the order of the reference matrix product ({@link MatmulScalar}) and
 * softmax ({@link RowsScalar}), so the results are the bits of the same products and softmax
 * run kernel by kernel on the scalar backend: skipping a masked key skips adding a zero.
 */
final class CausalAttentionScalar {
  private static final RowsScalar ROWS = new RowsScalar();

  private CausalAttentionScalar() {}

  /** Writes y and the packed probabilities. */
  // q: [B, H, T, D] (scaled), k, v: [B, Hkv, T, D] -> y: [B, H, T, D], probs: [B, H, packedSize(T)]
  static void forward(int bh, int group, int t, int d, float[] qs, int qOff, float[] ks, int kOff,
                      float[] vs, int vOff, float[] ys, int yOff, float[] p, int pOff) {
    int per = AttentionKernels.packedSize(t);
    for (int m = 0; m < bh; m++) {
      int qo = qOff + m * t * d, yo = yOff + m * t * d;
      int ko = kOff + (m / group) * t * d, vo = vOff + (m / group) * t * d;
      int po = pOff + m * per;
      for (int i0 = 0; i0 < t; i0 += CAUSAL_BLOCK) {
        int i1 = Math.min(t, i0 + CAUSAL_BLOCK);
        for (int i = i0; i < i1; i++) {
          int row = po + (i - i0) * i1;   // P_blk is [i1 - i0, i1]
          for (int j = 0; j <= i; j++) p[row + j] = dot(d, qs, qo + i * d, ks, ko + j * d);
          ROWS.softmax(1, i + 1, p, row, p, row);
          Arrays.fill(p, row + i + 1, row + i1, 0f);   // later keys of the block get weight 0
          for (int e = 0; e < d; e++) {
            float sum = 0f;
            for (int j = 0; j <= i; j++) sum += p[row + j] * vs[vo + j * d + e];
            ys[yo + i * d + e] = sum;
          }
        }
        po += (i1 - i0) * i1;
      }
    }
  }

  /**
   * Writes dq (with respect to the scaled q) and dk, dv ONE PER QUERY HEAD (their group's copies
   * are summed by {@link HeadsScalar#fromHeads}), per block of query rows [i0, i1):
   *
   * <pre>
   *   dv[j] += sum_i P[i, j]·dy[i]          dP[i, j] = dy[i]·v[j]
   *   dS[i, :] = P[i, :] ∘ (dP[i, :] - dP[i, :]·P[i, :])
   *   dq[i] = sum_j dS[i, j]·k[j]           dk[j] += sum_i dS[i, j]·q[i]
   * </pre>
   */
  // q, dy, dq: [B, H, T, D], k, v: [B, Hkv, T, D], probs: [B, H, packedSize(T)] -> dk, dv: [B, H, T, D]
  static void backward(int bh, int group, int t, int d, float[] qs, int qOff, float[] ks, int kOff,
                       float[] vs, int vOff, float[] p, int pOff, float[] g, int dyOff,
                       float[] dqs, int dqOff, float[] dks, int dkOff, float[] dvs, int dvOff) {
    int per = AttentionKernels.packedSize(t);
    float[] ds = new float[CAUSAL_BLOCK * t];   // one block's dP, then dS in place: [rb, i1]
    // dk and dv gather over the blocks of query rows: start from zero
    Arrays.fill(dks, dkOff, dkOff + bh * t * d, 0f);
    Arrays.fill(dvs, dvOff, dvOff + bh * t * d, 0f);
    for (int m = 0; m < bh; m++) {
      int qo = qOff + m * t * d, go = dyOff + m * t * d, dqo = dqOff + m * t * d;
      int ko = kOff + (m / group) * t * d, vo = vOff + (m / group) * t * d;
      int dko = dkOff + m * t * d, dvo = dvOff + m * t * d;
      int po = pOff + m * per;
      for (int i0 = 0; i0 < t; i0 += CAUSAL_BLOCK) {
        int i1 = Math.min(t, i0 + CAUSAL_BLOCK);
        for (int j = 0; j < i1; j++) {          // dv[j] += P_blk[:, j]ᵀ · dy[i0:i1], rows that see j
          for (int e = 0; e < d; e++) {
            float sum = 0f;
            for (int i = Math.max(i0, j); i < i1; i++) sum += p[po + (i - i0) * i1 + j] * g[go + i * d + e];
            dvs[dvo + j * d + e] += sum;
          }
        }
        for (int i = i0; i < i1; i++) {         // dS row by row, then dq[i]
          int row = (i - i0) * i1;
          for (int j = 0; j <= i; j++) ds[row + j] = dot(d, g, go + i * d, vs, vo + j * d);
          ROWS.softmaxBackward(1, i + 1, p, po + row, ds, row, ds, row, false);
          Arrays.fill(ds, row + i + 1, row + i1, 0f);
          for (int e = 0; e < d; e++) {
            float sum = 0f;
            for (int j = 0; j <= i; j++) sum += ds[row + j] * ks[ko + j * d + e];
            dqs[dqo + i * d + e] = sum;
          }
        }
        for (int j = 0; j < i1; j++) {          // dk[j] += dS[:, j]ᵀ · q[i0:i1]
          for (int e = 0; e < d; e++) {
            float sum = 0f;
            for (int i = Math.max(i0, j); i < i1; i++) sum += ds[(i - i0) * i1 + j] * qs[qo + i * d + e];
            dks[dko + j * d + e] += sum;
          }
        }
        po += (i1 - i0) * i1;
      }
    }
  }

  /** {@code a·b} over d floats, in float, in order (the reference matmul's inner loop). */
  static float dot(int d, float[] a, int aOff, float[] b, int bOff) {
    float sum = 0f;
    for (int e = 0; e < d; e++) sum += a[aOff + e] * b[bOff + e];
    return sum;
  }
}
