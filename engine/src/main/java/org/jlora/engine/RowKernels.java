package org.jlora.engine;

/**
 * Kernels that work a row at a time: softmax and log-softmax with their backwards, and layer
 * norm. A row is the contiguous last axis; x is {@code [rows, cols]}, a window of
 * {@code rows·cols} elements (another size is a ShapeException). {@code accumulate} means "add
 * into the output" rather than overwrite it.
 */
public interface RowKernels {

  /** Row-wise softmax (max-subtracted, so large inputs stay finite); out may be x itself. */
  // x: [rows, cols] -> out: [rows, cols]
  void softmax(int rows, int cols, Tensor x, Tensor out);

  /** Row-wise log-softmax: {@code x - max - log(sum(exp(x - max)))}; out may be x itself. */
  // x: [rows, cols] -> out: [rows, cols]
  void logSoftmax(int rows, int cols, Tensor x, Tensor out);

  /** Softmax backward from its output y: {@code dx (+)= y · (dy - sum_c(dy · y))}, per row. */
  // y, dy: [rows, cols] -> dx: [rows, cols]
  void softmaxBackward(int rows, int cols, Tensor y, Tensor dy, Tensor dx, boolean accumulate);

  /** Log-softmax backward from its output y: {@code dx (+)= dy - exp(y) · sum_c(dy)}, per row. */
  // y, dy: [rows, cols] -> dx: [rows, cols]
  void logSoftmaxBackward(int rows, int cols, Tensor y, Tensor dy, Tensor dx, boolean accumulate);

  /**
   * LayerNorm over the last axis: {@code out = (x - mean) · rstd · gamma + beta}, with
   * {@code rstd = 1/sqrt(var + eps)} and the biased variance (PyTorch's). Writes
   * {@code mean[rows]} and {@code rstd[rows]} for backward. gamma and beta may be null (no
   * affine part).
   */
  // x: [rows, cols], gamma, beta: [cols] -> out: [rows, cols], mean, rstd: [rows]
  void layerNorm(int rows, int cols, Tensor x, Tensor gamma, Tensor beta, float eps,
                 Tensor out, Tensor mean, Tensor rstd);

  /**
   * LayerNorm backward: {@code dx (+)=} the input gradient; {@code dgamma}, {@code dbeta}
   * {@code (+)=} their column sums (either may be null to skip it). With
   * {@code xhat = (x - mean)·rstd} and {@code g = dy·gamma}:
   * {@code dx = rstd · (g - mean_c(g) - xhat · mean_c(g · xhat))}.
   */
  // x, dy: [rows, cols], gamma: [cols], mean, rstd: [rows] -> dx: [rows, cols], dgamma, dbeta: [cols]
  void layerNormBackward(int rows, int cols, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                         Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta, boolean accumulate);
}
