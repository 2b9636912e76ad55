package org.jlora.engine;

import java.util.List;

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
   * {@code out[0] = (float) (scale · sum_i x[i])}: {@link #sum} into a one-element tensor (the sum in
   * double, scaled in double, rounded once), so a step's {@code sum} or {@code mean} stays on the
   * device.
   */
  // x: [n] -> out: [1]
  void sum(Tensor x, float scale, Tensor out);

  /**
   * {@code out[0] = sum over every element of every tensor of x²}, in double (a float squared is
   * exact in double), rounded once to f32: a gradient norm's sum of squares kept in a tensor, so a
   * step can clip without reading it on the host. The result does not depend on the thread count.
   */
  // xs: any shapes -> out: [1]
  void sumOfSquares(List<Tensor> xs, Tensor out);

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
