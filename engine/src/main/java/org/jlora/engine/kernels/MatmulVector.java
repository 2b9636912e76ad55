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
 *   <li>a matrix stored [m, k] times one column (generation through a weight kept [out, in]:
 *       {@code yᵀ = W·xᵀ}): {@link MatmulColumnVector}, A streamed once, eight rows at a time;</li>
 *   <li>everything else: {@link MatmulBlocked}, packed panels and a 6 x 3-vector register tile.</li>
 * </ul>
 * Small products (under {@link Parallel#MIN_PARALLEL_WORK} multiply-adds) stay on the caller;
 * a batch of small matrices (attention's per-head products) is split across threads by matrix.
 * Every path computes each element of C the same way whatever the thread count.
 *
 * <p>A bf16 operand (a frozen weight) takes the same path as its f32 twin would, and each path
 * widens what it reads of it: panels while packing, thin operands into a small f32 copy, in
 * registers when streaming (one row, one column). So the result is bit for bit that of the widened matrix.
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
    batched(batch, m, n, k, transA, shareB, c, cOff, accumulate, (rows, aBase, bBase, cBase, parallel) ->
        one(rows, n, k, a, aBase + aOff, transA, b, bBase + bOff, transB, c, cBase, accumulate, parallel));
  }

  /** The array form with B as bf16 bits: each path widens the part of B it reads (see {@link MatmulPacking}). */
  @Override
  public void matmulBf16B(int batch, int m, int n, int k, float[] a, int aOff, boolean transA,
                          short[] b, int bOff, boolean transB, boolean shareB,
                          float[] c, int cOff, boolean accumulate) {
    MatmulArgs.check("MatmulVector.matmulBf16B", batch, m, n, k, a, aOff, b, bOff, shareB, c, cOff);
    batched(batch, m, n, k, transA, shareB, c, cOff, accumulate, (rows, aBase, bBase, cBase, parallel) ->
        oneBf16B(rows, n, k, a, aBase + aOff, transA, b, bBase + bOff, transB, c, cBase, accumulate, parallel));
  }

  /** The array form with A as bf16 bits stored [m, k]. */
  @Override
  public void matmulBf16A(int batch, int m, int n, int k, short[] a, int aOff,
                          float[] b, int bOff, boolean transB, boolean shareB,
                          float[] c, int cOff, boolean accumulate) {
    MatmulArgs.check("MatmulVector.matmulBf16A", batch, m, n, k, a, aOff, b, bOff, shareB, c, cOff);
    batched(batch, m, n, k, false, shareB, c, cOff, accumulate, (rows, aBase, bBase, cBase, parallel) ->
        oneBf16A(rows, n, k, a, aBase + aOff, b, bBase + bOff, transB, c, cBase, accumulate, parallel));
  }

  /** One matrix of a batch: {@code rows} rows of C from cBase, A and B from their offsets within the batch. */
  private interface OneMatrix {
    void run(int rows, int aBase, int bBase, int cBase, boolean parallel);
  }

  /**
   * Runs {@code one} on each matrix of the batch (A_b at {@code b·m·k}, B_b at {@code b·k·n} or 0
   * when shared, C_b at {@code cOff + b·m·n}), after the cases that need no product at all.
   */
  private static void batched(int batch, int m, int n, int k, boolean transA, boolean shareB,
                              float[] c, int cOff, boolean accumulate, OneMatrix one) {
    if (batch == 0 || m == 0 || n == 0) return;
    if (k == 0) { // an empty sum
      if (!accumulate) Arrays.fill(c, cOff, cOff + batch * m * n, 0f);
      return;
    }
    if (batch > 1 && shareB && !transA) {
      // one weight for the whole batch, and the A_b, C_b stored row after row: one tall matmul
      m *= batch;
      batch = 1;
    }
    long work = (long) m * n * k;
    final int mm = m;
    if (batch > 1 && batch >= Parallel.threads() && work < SMALL_MATRIX_WORK) {
      Parallel.forRange(batch, work * batch, (from, to) -> {
        for (int i = from; i < to; i++) {
          one.run(mm, i * mm * k, shareB ? 0 : i * k * n, cOff + i * mm * n, false);
        }
      });
      return;
    }
    for (int i = 0; i < batch; i++) {
      one.run(mm, i * mm * k, shareB ? 0 : i * k * n, cOff + i * mm * n, true);
    }
  }

  /** The paths of the class comment. */
  private enum Path { THIN_K, COLUMN_VECTOR, THIN_N, ROW_VECTOR, BLOCKED }

  /** The path for a matrix of this shape: one rule, so an f32 and a bf16 operand take the same one. */
  private static Path pathFor(int m, int n, int k, boolean transA, boolean transB) {
    if (k <= MatmulThinK.THIN) return Path.THIN_K;
    // A stored [m, k] times one column (stored [k, 1] or [1, k]: the same k floats): the thin-n
    // path's dot products, eight rows at a time (bit-identical to it)
    if (n == 1 && !transA) return Path.COLUMN_VECTOR;
    if (n <= MatmulThinN.THIN) return Path.THIN_N;
    // one row (a generated token) times a weight stored [k, n]: stream B, never pack it
    if (m == 1 && !transB) return Path.ROW_VECTOR;
    return Path.BLOCKED;
  }

  /** One matrix: {@code C[m, n] (+)= op(A)[m, k] · op(B)[k, n]}, on the best path for its shape. */
  private static void one(int m, int n, int k, float[] a, int aBase, boolean transA,
                          float[] b, int bBase, boolean transB, float[] c, int cBase,
                          boolean accumulate, boolean parallel) {
    boolean par = parallel && (long) m * n * k >= Parallel.MIN_PARALLEL_WORK;
    switch (pathFor(m, n, k, transA, transB)) {
      case THIN_K -> MatmulThinK.matmul(m, n, k, a, aBase, transA, b, bBase, transB, c, cBase, accumulate, par);
      case COLUMN_VECTOR -> MatmulColumnVector.matmul(m, k, a, aBase, b, bBase, c, cBase, accumulate, par);
      case THIN_N -> MatmulThinN.matmul(m, n, k, a, aBase, transA, b, bBase, transB, c, cBase, accumulate, par);
      case ROW_VECTOR -> MatmulRowVector.matmul(n, k, a, aBase, b, bBase, c, cBase, accumulate, par);
      case BLOCKED -> MatmulBlocked.matmul(m, n, k,
          (i0, rows, p0, kc, dst) -> MatmulPacking.packA(a, aBase, transA, m, k, i0, rows, p0, kc, dst),
          (p0, kc, j0, panels, dst, di) -> MatmulPacking.packB(b, bBase, transB, k, n, p0, kc, j0, panels, dst, di),
          c, cBase, accumulate, par);
    }
  }

  /** {@link #one} with B as bf16 bits: the same paths, each widening what it reads of B. */
  private static void oneBf16B(int m, int n, int k, float[] a, int aBase, boolean transA,
                               short[] b, int bBase, boolean transB, float[] c, int cBase,
                               boolean accumulate, boolean parallel) {
    boolean par = parallel && (long) m * n * k >= Parallel.MIN_PARALLEL_WORK;
    switch (pathFor(m, n, k, transA, transB)) {
      case THIN_K -> MatmulThinK.matmul(m, n, k, a, aBase, transA, b, bBase, transB, c, cBase, accumulate, par);
      case COLUMN_VECTOR -> { // the column is the bf16 operand here: k values, widened whole
        float[] column = new float[k];
        Bf16Widen.widen(b, bBase, column, 0, k);
        MatmulColumnVector.matmul(m, k, a, aBase, column, 0, c, cBase, accumulate, par);
      }
      case THIN_N -> MatmulThinN.matmul(m, n, k, a, aBase, transA, b, bBase, transB, c, cBase, accumulate, par);
      case ROW_VECTOR -> MatmulRowVector.matmul(n, k, a, aBase, b, bBase, c, cBase, accumulate, par);
      case BLOCKED -> MatmulBlocked.matmul(m, n, k,
          (i0, rows, p0, kc, dst) -> MatmulPacking.packA(a, aBase, transA, m, k, i0, rows, p0, kc, dst),
          (p0, kc, j0, panels, dst, di) -> MatmulPacking.packB(b, bBase, transB, k, n, p0, kc, j0, panels, dst, di),
          c, cBase, accumulate, par);
    }
  }

  /** {@link #one} with A as bf16 bits stored [m, k]: the same paths, each widening what it reads of A. */
  private static void oneBf16A(int m, int n, int k, short[] a, int aBase,
                               float[] b, int bBase, boolean transB, float[] c, int cBase,
                               boolean accumulate, boolean parallel) {
    boolean par = parallel && (long) m * n * k >= Parallel.MIN_PARALLEL_WORK;
    switch (pathFor(m, n, k, false, transB)) {
      case THIN_K -> MatmulThinK.matmul(m, n, k, a, aBase, b, bBase, transB, c, cBase, accumulate, par);
      case COLUMN_VECTOR -> MatmulColumnVector.matmul(m, k, a, aBase, b, bBase, c, cBase, accumulate, par);
      case THIN_N -> MatmulThinN.matmul(m, n, k, a, aBase, b, bBase, transB, c, cBase, accumulate, par);
      case ROW_VECTOR -> MatmulRowVector.matmul(n, k, a, aBase, b, bBase, c, cBase, accumulate, par);
      case BLOCKED -> MatmulBlocked.matmul(m, n, k,
          (i0, rows, p0, kc, dst) -> MatmulPacking.packA(a, aBase, k, i0, rows, p0, kc, dst),
          (p0, kc, j0, panels, dst, di) -> MatmulPacking.packB(b, bBase, transB, k, n, p0, kc, j0, panels, dst, di),
          c, cBase, accumulate, par);
    }
  }
}
