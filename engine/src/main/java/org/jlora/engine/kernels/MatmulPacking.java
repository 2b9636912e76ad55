package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.MatmulMicroKernel.MR;
import static org.jlora.engine.kernels.MatmulMicroKernel.NR;
import static org.jlora.engine.kernels.MatmulMicroKernel.SPECIES;
import static org.jlora.engine.kernels.MatmulMicroKernel.VLEN;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.jlora.engine.Bf16;

/**
 * Copies blocks of A and B into the order the micro-kernel reads them, so its inner loop walks
 * memory strictly forward. Transposed operands are handled here, by reading the source
 * transposed while packing; no transposed copy of a tensor is ever made. Rows or columns past
 * the matrix edge are packed as zeros, so edge tiles run the same kernel.
 *
 * <p>A frozen weight kept in bf16 is widened to f32 here, panel by panel ({@link Bf16Widen}):
 * the packed panels hold exactly the values the f32 matrix would, in the same order, so the
 * product is bit for bit that of the widened matrix, and no f32 copy of the weight is ever made.
 */
final class MatmulPacking {
  private MatmulPacking() {}

  /**
   * Packs {@code op(B)[p0 : p0+kc, j0 : j0 + panels*NR]} as {@code panels} micro-panels
   * {@code [kc][NR]}, one after another from {@code dst[di]}; columns at or past {@code n} are 0.
   *
   * <p>op(B)[p, j] is {@code b[bBase + p*n + j]}, or {@code b[bBase + j*k + p]} with transB.
   */
  static void packB(float[] b, int bBase, boolean transB, int k, int n,
                    int p0, int kc, int j0, int panels, float[] dst, int di) {
    for (int panel = 0; panel < panels; panel++, di += kc * NR) {
      int j = j0 + panel * NR;
      int cols = Math.min(NR, n - j);
      if (!transB && cols == NR) {
        // whole rows of the panel are contiguous in B: copy them a vector at a time
        for (int p = 0; p < kc; p++) {
          int src = bBase + (p0 + p) * n + j;
          int d = di + p * NR;
          for (int v = 0; v < NR; v += VLEN) {
            FloatVector.fromArray(SPECIES, b, src + v).intoArray(dst, d + v);
          }
        }
      } else if (!transB) {
        for (int p = 0; p < kc; p++) {
          int src = bBase + (p0 + p) * n + j;
          int d = di + p * NR;
          for (int jj = 0; jj < cols; jj++) dst[d + jj] = b[src + jj];
          for (int jj = cols; jj < NR; jj++) dst[d + jj] = 0f;
        }
      } else {
        // B stored [n, k]: column j of op(B) is row j of storage, contiguous along p
        for (int jj = 0; jj < cols; jj++) {
          int src = bBase + (j + jj) * k + p0;
          for (int p = 0; p < kc; p++) dst[di + p * NR + jj] = b[src + p];
        }
        for (int jj = cols; jj < NR; jj++) {
          for (int p = 0; p < kc; p++) dst[di + p * NR + jj] = 0f;
        }
      }
    }
  }

  /** {@link #packB} for B kept as bf16 bits, widened to f32 while packing. */
  static void packB(short[] b, int bBase, boolean transB, int k, int n,
                    int p0, int kc, int j0, int panels, float[] dst, int di) {
    for (int panel = 0; panel < panels; panel++, di += kc * NR) {
      int j = j0 + panel * NR;
      int cols = Math.min(NR, n - j);
      if (!transB) {
        // row p of the panel: cols contiguous values of B, widened a vector at a time
        for (int p = 0; p < kc; p++) {
          int d = di + p * NR;
          Bf16Widen.widen(b, bBase + (p0 + p) * n + j, dst, d, cols);
          Arrays.fill(dst, d + cols, d + NR, 0f);
        }
      } else {
        // B stored [n, k]: column j of op(B) is row j of storage, contiguous along p
        for (int jj = 0; jj < cols; jj++) {
          int src = bBase + (j + jj) * k + p0;
          for (int p = 0; p < kc; p++) dst[di + p * NR + jj] = Bf16.toFloat(b[src + p]);
        }
        for (int jj = cols; jj < NR; jj++) {
          for (int p = 0; p < kc; p++) dst[di + p * NR + jj] = 0f;
        }
      }
    }
  }

  /**
   * Packs {@code op(A)[i0 : i0+rows, p0 : p0+kc]} as micro-panels {@code [kc][MR]}, one per MR
   * rows, from {@code dst[0]}; rows past {@code i0 + rows} are 0.
   *
   * <p>op(A)[i, p] is {@code a[aBase + i*k + p]}, or {@code a[aBase + p*m + i]} with transA.
   */
  static void packA(float[] a, int aBase, boolean transA, int m, int k,
                    int i0, int rows, int p0, int kc, float[] dst) {
    // each layout has its own small method, so the JIT compiles each as it is first used
    // instead of recompiling (and meanwhile interpreting) one method that holds both
    for (int ir = 0, di = 0; ir < rows; ir += MR, di += kc * MR) {
      int mr = Math.min(MR, rows - ir);
      if (transA) {
        panelFromColumns(a, aBase, m, i0 + ir, mr, p0, kc, dst, di);
      } else {
        panelFromRows(a, aBase, k, i0 + ir, mr, p0, kc, dst, di);
      }
    }
  }

  /**
   * {@link #packA} for A kept as bf16 bits and stored {@code [m, k]} (a weight in the one-row
   * product {@code W·xᵀ}), widened to f32 while packing.
   */
  static void packA(short[] a, int aBase, int k, int i0, int rows, int p0, int kc, float[] dst) {
    for (int ir = 0, di = 0; ir < rows; ir += MR, di += kc * MR) {
      int mr = Math.min(MR, rows - ir);
      for (int r = 0; r < MR; r++) {
        int src = aBase + (i0 + ir + r) * k + p0;
        for (int p = 0; p < kc; p++) dst[di + p * MR + r] = r < mr ? Bf16.toFloat(a[src + p]) : 0f;
      }
    }
  }

  /** A stored [m, k]: rows i .. i+mr of A, columns p0 .. p0+kc, to the panel [kc][MR] at di. */
  private static void panelFromRows(float[] a, int aBase, int k, int i, int mr, int p0, int kc,
                                    float[] dst, int di) {
    if (mr == MR) { // six rows side by side, the panel written front to back (1024³: +1-2%, eleven alternated runs)
      int s0 = aBase + i * k + p0, s1 = s0 + k, s2 = s1 + k, s3 = s2 + k, s4 = s3 + k, s5 = s4 + k;
      for (int p = 0, d = di; p < kc; p++, d += MR) {
        dst[d] = a[s0 + p];
        dst[d + 1] = a[s1 + p];
        dst[d + 2] = a[s2 + p];
        dst[d + 3] = a[s3 + p];
        dst[d + 4] = a[s4 + p];
        dst[d + 5] = a[s5 + p];
      }
      return;
    }
    for (int r = 0; r < MR; r++) {
      if (r < mr) {
        int src = aBase + (i + r) * k + p0;
        for (int p = 0; p < kc; p++) dst[di + p * MR + r] = a[src + p];
      } else {
        for (int p = 0; p < kc; p++) dst[di + p * MR + r] = 0f;
      }
    }
  }

  /**
   * A stored [k, m] (transA): the mr values of column p of op(A) sit side by side, so each step
   * of the panel is one short copy (zero-padded to MR).
   */
  private static void panelFromColumns(float[] a, int aBase, int m, int i, int mr, int p0, int kc,
                                       float[] dst, int di) {
    if (mr == MR) { // six plain copies a step: arraycopy's call for six floats cost more than the copy (1024³ dW: +10%)
      for (int p = 0, src = aBase + p0 * m + i, d = di; p < kc; p++, src += m, d += MR) {
        dst[d] = a[src];
        dst[d + 1] = a[src + 1];
        dst[d + 2] = a[src + 2];
        dst[d + 3] = a[src + 3];
        dst[d + 4] = a[src + 4];
        dst[d + 5] = a[src + 5];
      }
      return;
    }
    for (int p = 0, src = aBase + p0 * m + i, d = di; p < kc; p++, src += m, d += MR) {
      System.arraycopy(a, src, dst, d, mr);
      Arrays.fill(dst, d + mr, d + MR, 0f);
    }
  }
}
