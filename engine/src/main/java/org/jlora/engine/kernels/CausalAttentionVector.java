package org.jlora.engine.kernels;

import static org.jlora.engine.AttentionKernels.CAUSAL_BLOCK;

import java.util.Arrays;
import org.jlora.engine.AttentionKernels;
import org.jlora.engine.Parallel;

/**
 * Causal grouped-query attention on the Vector API, parallel over query heads; the definition is
 * {@link CausalAttentionScalar}'s. A block of query rows {@code [i0, i1)} sees keys
 * {@code [0, i1)} only, so its scores are a dense {@code [rb, i1]} matrix and the masked upper
 * triangle is skipped but for the diagonal blocks (a head costs about half the full
 * {@code [T, T]} products):
 *
 * <pre>
 *   S_blk = q[i0:i1]·k[0:i1]ᵀ              [rb, D]·[D, i1] -> [rb, i1]   (kᵀ transposed once a head)
 *   P_blk = softmax over keys j <= i       (the rest of the block's row is 0)
 *   y[i0:i1] = P_blk·v[0:i1]               [rb, i1]·[i1, D] -> [rb, D]
 * </pre>
 *
 * A head's operands are a few KiB, so the products are {@link AttentionTiles}' register tiles
 * on arrays already in L1 rather than calls of the packed matmul (whose packing and chunking
 * cost more than the arithmetic at D = 32), and each group of 4 query rows computes only the
 * keys it can see. Each query head is computed wholly by one thread in a fixed order, so results
 * do not depend on the thread count; they agree with the scalar twin to within float rounding
 * (FMA chains, a vector exp, other summation orders).
 */
final class CausalAttentionVector {
  private static final int L = jdk.incubator.vector.FloatVector.SPECIES_PREFERRED.length();
  /** Rows of a register tile ({@link AttentionTiles#rows}). */
  private static final int TILE = 4;
  /** This thread's scratch: a head's kᵀ or vᵀ [D, T], one block's dP/dS [rb, i1], a vector's lanes. */
  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[3][0]);

  private CausalAttentionVector() {}

  /** See {@link CausalAttentionScalar#forward}. */
  // q: [B, H, T, D] (scaled), k, v: [B, Hkv, T, D] -> y: [B, H, T, D], probs: [B, H, packedSize(T)]
  static void forward(int bh, int group, int t, int d, float[] qs, int qOff, float[] ks, int kOff,
                      float[] vs, int vOff, float[] ys, int yOff, float[] p, int pOff) {
    int per = AttentionKernels.packedSize(t);
    Parallel.forRange(bh, (long) bh * per * d * 2, (from, to) -> {
      float[] kt = scratch(0, d * t);
      float[] lanes = scratch(2, L);
      int transposed = -1;                                   // the key head now in kt
      for (int m = from; m < to; m++) {
        int qo = qOff + m * t * d, yo = yOff + m * t * d;
        int ko = kOff + (m / group) * t * d, vo = vOff + (m / group) * t * d;
        if (m / group != transposed) {
          AttentionTiles.transpose(t, d, ks, ko, kt, t);
          transposed = m / group;
        }
        int po = pOff + m * per;
        for (int i0 = 0; i0 < t; i0 += CAUSAL_BLOCK) {
          int i1 = Math.min(t, i0 + CAUSAL_BLOCK);
          int rb = i1 - i0;
          for (int r0 = 0; r0 < rb; r0 += TILE) {
            int rows = Math.min(TILE, rb - r0);
            int seen = i0 + r0 + rows;                       // keys [0, seen) are visible to some row
            // S [rows, cols] = q rows · kᵀ[:, 0:cols]; columns past a row's last key are masked below
            AttentionTiles.rows(rows, 0, d, columns(seen, i1), qs, qo + (i0 + r0) * d, d, 1, kt, 0, t,
                p, po + r0 * i1, i1, false);
            for (int r = r0; r < r0 + rows; r++) AttentionTiles.causalSoftmaxRow(p, po + r * i1, i0 + r + 1, i1, lanes);
            // y rows = P rows [rows, seen] · v[0:seen]: later keys have weight 0 in every row
            AttentionTiles.rows(rows, 0, seen, d, p, po + r0 * i1, i1, 1, vs, vo, d,
                ys, yo + (i0 + r0) * d, d, false);
          }
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
      float[] vt = scratch(0, d * t);
      float[] lanes = scratch(2, L);
      float[] ds = scratch(1, CAUSAL_BLOCK * t);   // one block's dP, then dS in place: [rb, i1]
      int transposed = -1;                         // the value head now in vt
      for (int m = from; m < to; m++) {
        int own = m * t * d, kv = (m / group) * t * d;   // this query head's block, its key/value head's
        if (m / group != transposed) {
          AttentionTiles.transpose(t, d, vs, vOff + kv, vt, t);
          transposed = m / group;
        }
        // dk and dv gather over the blocks of query rows: start this head from zero
        Arrays.fill(dks, dkOff + own, dkOff + own + t * d, 0f);
        Arrays.fill(dvs, dvOff + own, dvOff + own + t * d, 0f);
        int po = pOff + m * per;
        for (int i0 = 0; i0 < t; i0 += CAUSAL_BLOCK) {
          int i1 = Math.min(t, i0 + CAUSAL_BLOCK);
          int rb = i1 - i0;
          int rows0 = own + i0 * d;                        // query rows i0.. of this head
          // dv[0:i1] += P_blkᵀ · dy[i0:i1]: key j gets rows i >= j only (P is 0 above the diagonal)
          for (int j0 = 0; j0 < i1; j0 += TILE) {
            int rows = Math.min(TILE, i1 - j0);
            AttentionTiles.rows(rows, Math.max(0, j0 - i0), rb, d, p, po + j0, 1, i1, g, dyOff + rows0, d,
                dvs, dvOff + own + j0 * d, d, true);
          }
          for (int r0 = 0; r0 < rb; r0 += TILE) {
            int rows = Math.min(TILE, rb - r0);
            int seen = i0 + r0 + rows;
            // dP rows = dy rows · vᵀ[:, 0:cols], then dS in place (0 past each row's last key)
            AttentionTiles.rows(rows, 0, d, columns(seen, i1), g, dyOff + rows0 + r0 * d, d, 1, vt, 0, t,
                ds, r0 * i1, i1, false);
            for (int r = r0; r < r0 + rows; r++) {
              AttentionTiles.causalSoftmaxBackwardRow(p, po + r * i1, ds, r * i1, i0 + r + 1, i1, lanes);
            }
            // dq rows = dS rows [rows, seen] · k[0:seen]
            AttentionTiles.rows(rows, 0, seen, d, ds, r0 * i1, i1, 1, ks, kOff + kv, d,
                dqs, dqOff + rows0 + r0 * d, d, false);
          }
          // dk[0:i1] += dS_blkᵀ · q[i0:i1]
          for (int j0 = 0; j0 < i1; j0 += TILE) {
            int rows = Math.min(TILE, i1 - j0);
            AttentionTiles.rows(rows, Math.max(0, j0 - i0), rb, d, ds, j0, 1, i1, qs, qOff + rows0, d,
                dks, dkOff + own + j0 * d, d, true);
          }
          po += rb * i1;
        }
      }
    });
  }

  /** Score columns a tile computes: its visible keys, rounded up to whole vectors within the row. */
  private static int columns(int seen, int width) {
    return Math.min(width, (seen + 2 * L - 1) / (2 * L) * (2 * L));
  }

  private static float[] scratch(int which, int size) {
    float[][] mine = SCRATCH.get();
    if (mine[which].length < size) mine[which] = new float[size];
    return mine[which];
  }
}
