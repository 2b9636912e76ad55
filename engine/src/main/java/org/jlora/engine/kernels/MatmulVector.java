package org.jlora.engine.kernels;

import java.util.Arrays;
import org.jlora.engine.Parallel;

/**
 * The fast matmul (Vector API, both cores): picks a path by shape and hands each matrix to it.
 * <ul>
 *   <li>thin (k at most 16 or n at most 32: LoRA's rank-r products, attention's per-head
 *       products): {@link MatmulThinK}, {@link MatmulThinN}, no packing, streaming the big
 *       operand once;</li>
 *   <li>one row times a matrix stored [k, n] (generation through GPT-2's Conv1D):
 *       {@link MatmulRowVector}, B streamed once;</li>
 *   <li>everything else: {@link MatmulBlocked}, packed panels and a 6 x 3-vector register tile.</li>
 * </ul>
 * Small products (under {@link Parallel#MIN_PARALLEL_WORK} multiply-adds) stay on the caller;
 * a batch of small matrices (attention's per-head products) is split across threads by matrix.
 * Every path computes each element of C the same way whatever the thread count.
 */
public final class MatmulVector extends MatmulOnHost {
  /** Below this many multiply-adds per matrix, a batch is parallelised over its matrices. */
  static final long SMALL_MATRIX_WORK = 1L << 21;

  /** {@link org.jlora.engine.MatmulKernels#matmul}: {@code C_b[m, n] (+)= op(A_b)[m, k] · op(B_b)[k, n]}. */
  @Override
  public void matmul(int batch, int m, int n, int k,
                            float[] a, int aOff, boolean transA,
                            float[] b, int bOff, boolean transB, boolean shareB,
                            float[] c, int cOff, boolean accumulate) {
    MatmulArgs.check("MatmulVector.matmul", batch, m, n, k, a, aOff, b, bOff, shareB, c, cOff);
    if (batch == 0 || m == 0 || n == 0) return;
    if (k == 0) { // an empty sum
      if (!accumulate) Arrays.fill(c, cOff, cOff + batch * m * n, 0f);
      return;
    }
    if (batch > 1 && shareB && !transA) {
      // one weight for the whole batch, and the A_b, C_b stacked row after row: one tall matmul
      m *= batch;
      batch = 1;
    }
    long work = (long) m * n * k;
    if (batch > 1 && batch >= Parallel.threads() && work < SMALL_MATRIX_WORK) {
      final int mm = m;
      Parallel.forRange(batch, work * batch, (from, to) -> {
        for (int i = from; i < to; i++) {
          one(mm, n, k, a, aOff + i * mm * k, transA, b, shareB ? bOff : bOff + i * k * n, transB,
              c, cOff + i * mm * n, accumulate, false);
        }
      });
      return;
    }
    for (int i = 0; i < batch; i++) {
      one(m, n, k, a, aOff + i * m * k, transA, b, shareB ? bOff : bOff + i * k * n, transB,
          c, cOff + i * m * n, accumulate, true);
    }
  }

  /** One matrix: {@code C[m, n] (+)= op(A)[m, k] · op(B)[k, n]}, on the best path for its shape. */
  private static void one(int m, int n, int k, float[] a, int aBase, boolean transA,
                          float[] b, int bBase, boolean transB, float[] c, int cBase,
                          boolean accumulate, boolean parallel) {
    boolean par = parallel && (long) m * n * k >= Parallel.MIN_PARALLEL_WORK;
    if (k <= MatmulThinK.THIN) {
      MatmulThinK.matmul(m, n, k, a, aBase, transA, b, bBase, transB, c, cBase, accumulate, par);
    } else if (n <= MatmulThinN.THIN) {
      MatmulThinN.matmul(m, n, k, a, aBase, transA, b, bBase, transB, c, cBase, accumulate, par);
    } else if (m == 1 && !transB) {
      // one row (a generated token) times a weight stored [k, n]: stream B, never pack it
      MatmulRowVector.matmul(n, k, a, aBase, b, bBase, c, cBase, accumulate, par);
    } else {
      MatmulBlocked.matmul(m, n, k, a, aBase, transA, b, bBase, transB, c, cBase, accumulate, par);
    }
  }
}
