package org.jlora.engine;

/**
 * Reductions: sums and maxima over a whole window, its rows or its columns. A matrix
 * {@code [rows, cols]} is a window of {@code rows·cols} elements, row after row; a window of
 * another size is a ShapeException. {@code accumulate} means "add into the output".
 */
public interface ReductionKernels {

  /** Sum of the window, accumulated in double in fixed blocks (the same for any thread count). */
  // x: [n] -> a host double
  double sum(Tensor x);

  /** Maximum of the window; NaN if any element is NaN; -Inf for an empty window. */
  // x: [n] -> a host float
  float max(Tensor x);

  /**
   * {@code out[0] (+)= sum_i x[i]²}, into a one-element tensor rather than a host value, so a
   * device backend can chain it (a gradient norm) without a round trip. Accumulated as
   * {@link #sum} is, then rounded to f32.
   */
  // x: [n] -> out: [1]
  void sumSquares(Tensor x, Tensor out, boolean accumulate);

  /** {@code out[r] = sum_c x[r, c]}. */
  // x: [rows, cols] -> out: [rows]
  void sumRows(int rows, int cols, Tensor x, Tensor out);

  /** {@code out[r] = max_c x[r, c]}. */
  // x: [rows, cols] -> out: [rows]
  void maxRows(int rows, int cols, Tensor x, Tensor out);

  /** {@code out[c] (+)= sum_r x[r, c]}: the column sums (bias gradients, broadcast backward). */
  // x: [rows, cols] -> out: [cols]
  void sumColumns(int rows, int cols, Tensor x, Tensor out, boolean accumulate);
}
