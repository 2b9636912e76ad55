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

  /**
   * SwiGLU's gate, fused: {@code out = silu(gate) ∘ up} with {@code silu(g) = g · σ(g)}, the middle
   * of Llama's MLP {@code down(silu(gate(x)) ∘ up(x))}, in one pass instead of three.
   */
  // gate, up: [n] -> out: [n]
  void swiglu(Tensor gate, Tensor up, Tensor out);

  /**
   * SwiGLU backward, written; dGate or dUp may be null (that input is frozen). With
   * {@code s = σ(gate)} recomputed (cheaper than saving it):
   * {@code dUp = dy ∘ gate·s}, {@code dGate = dy ∘ up ∘ s·(1 + gate·(1 - s))}.
   */
  // gate, up, dy: [n] -> dGate, dUp: [n]
  void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dGate, Tensor dUp);

  /**
   * Inverted dropout with a given mask: {@code out = x ∘ mask}, where the mask holds
   * {@code 1/(1 - p)} (kept) or 0 (dropped), drawn on the host before the step
   * ({@link DropoutMask}): random numbers are an input of a step, not a value computed in it.
   * Forward and backward are the same product (backward with the gradient as x).
   */
  // x, mask: [n] -> out: [n]
  void dropout(Tensor x, Tensor mask, Tensor out);

  /**
   * The strided copy behind permutes, slices, concatenations and broadcasts: for every
   * multi-index i of {@code shape}, in row-major order,
   * {@code dst[dstStart + Σ_d i_d·dstStrides[d]] (+)= src[srcStart + Σ_d i_d·srcStrides[d]]},
   * starts and strides in elements of each tensor's window. Strides are >= 0: a zero source
   * stride repeats a value (broadcast); a zero destination stride with {@code accumulate} sums
   * over that axis, the additions made in row-major order (the adjoint of a broadcast).
   */
  // src, dst: strided views of shape -> dst written (or added into)
  void copyStrided(int[] shape, Tensor src, int srcStart, int[] srcStrides, Tensor dst, int dstStart,
                   int[] dstStrides, boolean accumulate);
}
