package org.jlora.engine;

/**
 * Optimizer updates. The per-step numbers (learning rate, bias corrections, the clipping
 * factor) arrive in a small tensor rather than as Java floats, so a captured device step can be
 * replayed with new values written into the same tensor.
 */
public interface OptimizerKernels {

  /**
   * One AdamW step, PyTorch's rule, with {@code hyper} laid out as {@link AdamHyper} says:
   * <pre>
   *   g' = gradScale · g
   *   p -= lr·wd·p;  m = b1·m + (1-b1)·g';  v = b2·v + (1-b2)·g'²
   *   p -= lr · (m / bc1) / (sqrt(v / bc2) + eps)
   * </pre>
   * with {@code bc1 = 1 - b1^t}, {@code bc2 = 1 - b2^t} for step t. p, g, m and v have the same size.
   */
  // p, g, m, v: [n], hyper: [AdamHyper.SIZE] -> p, m, v updated in place
  void adamw(Tensor p, Tensor g, Tensor m, Tensor v, Tensor hyper);

  /**
   * Global gradient-norm clipping's factor (PyTorch's {@code clip_grad_norm_}), from the sum of
   * squares ({@link ReductionKernels#sumOfSquares}) to one-element tensors, in double:
   * {@code norm = sqrt(sumSquares)}, {@code coef = maxNorm / (norm + 1e-6)} when that is below 1,
   * else 1 (a NaN or infinite norm included: such gradients are left alone). coef may be a window
   * of an {@link AdamHyper} tensor (its {@code GRAD_SCALE} slot), so {@link #adamw} applies it.
   */
  // sumSquares: [1] -> norm: [1], coef: [1]
  void clipCoefficient(Tensor sumSquares, float maxNorm, Tensor norm, Tensor coef);
}
