package org.jlora.engine;

/**
 * Kernels that work a row at a time: softmax and log-softmax with their backwards, layer norm,
 * RMSNorm, and cross-entropy (log-softmax fused with the negative log-likelihood). A row is the contiguous last axis; x is {@code [rows, cols]}, a window of
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

  /**
   * RMSNorm over the last axis (Llama's): {@code out = x · r · weight} with
   * {@code r = 1/sqrt(mean(x²) + eps)}, normalised first in float32 and then multiplied by the
   * weight (Hugging Face's LlamaRMSNorm). Writes {@code rstd[rows] = r} for backward.
   */
  // x: [rows, cols], weight: [cols] -> out: [rows, cols], rstd: [rows]
  void rmsNorm(int rows, int cols, Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd);

  /**
   * RMSNorm backward, both outputs written (not added); either may be null (not wanted). Per row,
   * with {@code gw = dy ∘ weight}: {@code dx = r · gw - x · r³ · sum(gw ∘ x) / cols}, and
   * {@code dweight = sum over rows of dy ∘ x · r}.
   */
  // x, dy: [rows, cols], weight: [cols], rstd: [rows] -> dx: [rows, cols], dweight: [cols]
  void rmsNormBackward(int rows, int cols, Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx,
                       Tensor dweight);

  /**
   * Cross-entropy: {@code logp = log_softmax(logits)} (kept for backward) and
   * {@code loss[0] = -mean over scored rows of logp[i, targets[i]]}, a row being scored when its
   * target is not {@code ignoreIndex}; NaN when none is, as in PyTorch. The loss stays in a
   * tensor, so a step never reads it back to go on. A target outside {@code [0, vocab)} that is
   * not the ignore index is an IndexOutOfBoundsException.
   */
  // logits: [rows, vocab], targets: [rows] -> logp: [rows, vocab], loss: [1]
  void crossEntropy(int rows, int vocab, Tensor logits, int[] targets, int ignoreIndex, Tensor logp, Tensor loss);

  /**
   * Cross-entropy backward, written: {@code dlogits[i] = (exp(logp[i]) - onehot(t_i)) · dloss[0] / count},
   * zero on ignored rows. The incoming gradient is read from its one-element tensor inside the
   * kernel. dlogits may be logp itself (the saved buffer becomes the gradient).
   */
  // logp: [rows, vocab], targets: [rows], dloss: [1] -> dlogits: [rows, vocab]
  void crossEntropyBackward(int rows, int vocab, Tensor logp, int[] targets, int ignoreIndex, Tensor dloss,
                            Tensor dlogits);
}
