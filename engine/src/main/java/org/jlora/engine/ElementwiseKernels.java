package org.jlora.engine;

/**
 * Elementwise kernels: one output element from the same element of each input. Sizes come from
 * the tensors' windows; a size that does not fit is a ShapeException. {@code accumulate} means
 * "add into the output" rather than overwrite it.
 */
public interface ElementwiseKernels {

  /**
   * {@code out[i] = a[i % size(a)] op b[i % size(b)]} for {@code i < size(out)}: broadcasting
   * over leading dimensions, where a's and b's windows repeat to fill out's (their sizes divide
   * out's). Shape-level broadcasting (which axes repeat) is the caller's; here a bias {@code [C]}
   * against {@code [B, T, C]} is simply a window of C repeated. out may be a or b itself.
   */
  // a: [..., L_a], b: [..., L_b] -> out: [n], with L_a and L_b dividing n
  void binary(BinaryOp op, Tensor a, Tensor b, Tensor out);

  /** {@code out[i] = f(x[i])}; out may be x itself. */
  // x: [n] -> out: [n]
  void unary(UnaryOp op, Tensor x, Tensor out);

  /**
   * Backward of {@link #unary}: {@code dx[i] (+)= dy[i] · f'(x[i])}. Rules that are cheaper from
   * the output (exp, tanh, sqrt, reciprocal) read {@code y = f(x)}; pass both.
   */
  // x, y, dy: [n] -> dx: [n]
  void unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx, boolean accumulate);

  /** {@code y[i] += alpha · x[i]}. */
  // x: [n] -> y: [n]
  void axpy(float alpha, Tensor x, Tensor y);

  /** {@code x[i] *= alpha}, in place. */
  // x: [n] -> x: [n]
  void scale(float alpha, Tensor x);

  /** {@code x[i] = value}. */
  // x: [n]
  void fill(Tensor x, float value);

  /** {@code dst[i] = src[i]}; src and dst must not overlap unless they are the same window. */
  // src: [n] -> dst: [n]
  void copy(Tensor src, Tensor dst);
}
