package org.jlora.engine;

/**
 * Matrix products on tensors: shape checks, then {@link Backend#matmul} of the current backend.
 *
 * <p>"Transposed" operands are read transposed in place, never copied: {@code transA} means A is
 * stored {@code [k, m]} and used as its transpose (backward's {@code dW = dYᵀ·X}), {@code transB}
 * means B is stored {@code [n, k]} (a linear layer's {@code y = x·Wᵀ}).
 *
 * <pre>{@code
 * Tensor y  = MatMul.matmul(x, w);                  // x: [B, T, in], w: [in, out] -> [B, T, out]
 * Tensor dx = MatMul.matmul(dy, false, w, true);    // dy: [N, out], w: [in, out] -> [N, in]
 * Tensor s  = MatMul.bmm(q, false, k, true);        // q, k: [B*H, T, hd] -> [B*H, T, T]
 * }</pre>
 * The output must not share storage with an input.
 */
public final class MatMul {
  private MatMul() {}

  /** {@code a [..., m, k] · b [k, n] -> [..., m, n]}: a's leading dimensions are rows. */
  public static Tensor matmul(Tensor a, Tensor b) {
    Tensor out = Tensor.zeros(outShape("matmul", a, false, b, false));
    matmulInto(a, false, b, false, out, false);
    return out;
  }

  /** {@code op(a)[m, k] · op(b)[k, n] -> [m, n]} for 2-d a and b; op transposes when asked. */
  public static Tensor matmul(Tensor a, boolean transA, Tensor b, boolean transB) {
    requireRank("matmul", a, 2, b);
    Tensor out = Tensor.zeros(outShape("matmul", a, transA, b, transB));
    matmulInto(a, transA, b, transB, out, false);
    return out;
  }

  /**
   * {@code out (+)= op(a) · op(b)}: overwrites out, or adds into it with {@code accumulate}.
   * Without transA, a may be {@code [..., m, k]} (leading dimensions are rows, and out is
   * {@code [..., m, n]}); with it, a is 2-d {@code [k, m]}. b is 2-d.
   */
  public static void matmulInto(Tensor a, boolean transA, Tensor b, boolean transB,
                                Tensor out, boolean accumulate) {
    String op = "matmulInto";
    int[] expected = outShape(op, a, transA, b, transB);
    requireShape(op, out, expected, a, b);
    int k = transB ? b.dim(1) : b.dim(0);
    int n = transB ? b.dim(0) : b.dim(1);
    int m = transA ? a.dim(1) : a.rowCount();
    Backends.current().matmul(1, m, n, k, a.data(), a.offset(), transA,
        b.data(), b.offset(), transB, true, out.data(), out.offset(), accumulate);
  }

  /**
   * Batched product {@code [batch, m, k] · [batch, k, n] -> [batch, m, n]}, each operand read
   * transposed per matrix when asked ({@code [batch, k, m]}, {@code [batch, n, k]}). A 2-d b is
   * one matrix shared by the whole batch.
   */
  public static Tensor bmm(Tensor a, boolean transA, Tensor b, boolean transB) {
    Tensor out = Tensor.zeros(bmmShape("bmm", a, transA, b, transB));
    bmmInto(a, transA, b, transB, out, false);
    return out;
  }

  /** {@link #bmm} into {@code out [batch, m, n]}, overwriting it or adding into it. */
  public static void bmmInto(Tensor a, boolean transA, Tensor b, boolean transB,
                             Tensor out, boolean accumulate) {
    String op = "bmmInto";
    requireShape(op, out, bmmShape(op, a, transA, b, transB), a, b);
    boolean shareB = b.rank() == 2;
    int batch = a.dim(0);
    int m = transA ? a.dim(2) : a.dim(1);
    int k = transA ? a.dim(1) : a.dim(2);
    int n = transB ? b.dim(-2) : b.dim(-1);
    Backends.current().matmul(batch, m, n, k, a.data(), a.offset(), transA,
        b.data(), b.offset(), transB, shareB, out.data(), out.offset(), accumulate);
  }

  // ---------------------------------------------------------------- shape rules

  private static int[] outShape(String op, Tensor a, boolean transA, Tensor b, boolean transB) {
    if (b.rank() != 2 || a.rank() < 2 || (transA && a.rank() != 2)) {
      throw new ShapeException(op + ": needs a " + (transA ? "2-d a (transposed)" : "[..., m, k] a")
          + " and a 2-d b, got a " + Shapes.str(a.shape()) + describe(transA) + " and b "
          + Shapes.str(b.shape()) + describe(transB));
    }
    int ka = transA ? a.dim(0) : a.dim(-1);
    int kb = transB ? b.dim(1) : b.dim(0);
    if (ka != kb) throw innerMismatch(op, a, transA, b, transB, ka, kb);
    int[] shape = a.shape();
    shape[shape.length - 1] = transB ? b.dim(0) : b.dim(1);
    if (transA) shape[0] = a.dim(1);
    return shape;
  }

  private static int[] bmmShape(String op, Tensor a, boolean transA, Tensor b, boolean transB) {
    if (a.rank() != 3 || (b.rank() != 3 && b.rank() != 2)) {
      throw new ShapeException(op + ": needs a 3-d a [batch, m, k] and a 3-d (or shared 2-d) b, got a "
          + Shapes.str(a.shape()) + describe(transA) + " and b " + Shapes.str(b.shape()) + describe(transB));
    }
    if (b.rank() == 3 && a.dim(0) != b.dim(0)) {
      throw new ShapeException(op + ": batch sizes differ: a " + Shapes.str(a.shape()) + " has "
          + a.dim(0) + ", b " + Shapes.str(b.shape()) + " has " + b.dim(0));
    }
    int ka = transA ? a.dim(1) : a.dim(2);
    int kb = transB ? b.dim(-1) : b.dim(-2);
    if (ka != kb) throw innerMismatch(op, a, transA, b, transB, ka, kb);
    return new int[] {a.dim(0), transA ? a.dim(2) : a.dim(1), transB ? b.dim(-2) : b.dim(-1)};
  }

  private static ShapeException innerMismatch(String op, Tensor a, boolean transA, Tensor b,
                                              boolean transB, int ka, int kb) {
    return new ShapeException(op + ": shapes " + Shapes.str(a.shape()) + describe(transA) + " and "
        + Shapes.str(b.shape()) + describe(transB) + " do not match: inner dimensions " + ka
        + " and " + kb);
  }

  private static void requireRank(String op, Tensor a, int rank, Tensor b) {
    if (a.rank() != rank || b.rank() != rank) {
      throw new ShapeException(op + ": needs " + rank + "-d operands, got " + Shapes.str(a.shape())
          + " and " + Shapes.str(b.shape()));
    }
  }

  private static void requireShape(String op, Tensor out, int[] expected, Tensor a, Tensor b) {
    if (!java.util.Arrays.equals(out.shape(), expected)) {
      throw new ShapeException(op + ": output has shape " + Shapes.str(out.shape()) + " but "
          + Shapes.str(a.shape()) + " x " + Shapes.str(b.shape()) + " gives " + Shapes.str(expected));
    }
  }

  private static String describe(boolean trans) {
    return trans ? " (transposed)" : "";
  }
}
