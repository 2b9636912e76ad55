package org.jlora.engine;

/**
 * The matrix product, the core of every layer. Matrices are row-major; {@code accumulate} means
 * "add into the output" rather than overwrite it (gradient accumulation).
 *
 * <p>"Transposed" operands are read transposed in place, never copied: {@code transA} means A is
 * stored {@code [k, m]} and used as its transpose (backward's {@code dW = dYᵀ·X}), {@code transB}
 * means B is stored {@code [n, k]} (a linear layer's {@code y = x·Wᵀ}). The output must not share
 * storage with an input.
 *
 * <pre>{@code
 * MatmulKernels mm = Backends.current().matmul();
 * Tensor delta = mm.matmul(b, false, a, false);     // b: [out, r], a: [r, in] -> [out, in]
 * mm.matmul(1, n, out, in, x, false, w, true, true, y, false);   // y [n, out] = x [n, in] · wᵀ
 * }</pre>
 */
public interface MatmulKernels {

  /**
   * Batched matrix product: for each {@code b < batch},
   * {@code C_b[m, n] (+)= op(A_b)[m, k] · op(B_b)[k, n]}.
   *
   * <p>{@code op(A)} is A stored {@code [m, k]}, or, with {@code transA}, A stored {@code [k, m]}
   * (likewise B: {@code [k, n]} or, with {@code transB}, {@code [n, k]}). Batches are contiguous
   * in each tensor's window: a holds {@code batch·m·k} elements, b holds {@code batch·k·n} (or
   * {@code k·n} when {@code shareB}: one weight matrix for the whole batch), c holds
   * {@code batch·m·n}; a window of another size is a ShapeException.
   */
  // a: [batch, m, k] (or [batch, k, m]), b: [batch | 1, k, n] (or [.., n, k]) -> c: [batch, m, n]
  void matmul(int batch, int m, int n, int k, Tensor a, boolean transA, Tensor b, boolean transB,
              boolean shareB, Tensor c, boolean accumulate);

  /**
   * {@code out (+)= op(a) · op(b)} for tensors whose shapes say the sizes: without transA, a may
   * be {@code [..., m, k]} (leading dimensions are rows and out is {@code [..., m, n]}); with
   * it, a is 2-d {@code [k, m]}. b is 2-d.
   */
  // a: [..., m, k] (or [k, m]), b: [k, n] (or [n, k]) -> out: [..., m, n]
  default void matmul(Tensor a, boolean transA, Tensor b, boolean transB, Tensor out, boolean accumulate) {
    MatmulShapes.requireOut("matmul", out, MatmulShapes.outShape("matmul", a, transA, b, transB), a, b);
    int k = transB ? b.dim(1) : b.dim(0);
    int n = transB ? b.dim(0) : b.dim(1);
    int m = transA ? a.dim(1) : a.rowCount();
    matmul(1, m, n, k, a, transA, b, transB, true, out, accumulate);
  }

  /** {@code op(a)[m, k] · op(b)[k, n]} into a new {@code [m, n]} tensor, for 2-d a and b. */
  // a: [m, k] (or [k, m]), b: [k, n] (or [n, k]) -> [m, n]
  default Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
    MatmulShapes.requireRank2("matmul", a, b);
    Tensor out = Tensor.zeros(MatmulShapes.outShape("matmul", a, transA, b, transB));
    matmul(a, transA, b, transB, out, false);
    return out;
  }
}
