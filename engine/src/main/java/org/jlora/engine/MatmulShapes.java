package org.jlora.engine;

import java.util.Arrays;

/** The shape rules of {@link MatmulKernels}'s convenience forms, with messages naming the shapes. */
final class MatmulShapes {
  private MatmulShapes() {}

  /** The shape of {@code op(a) · op(b)}: a's leading dimensions, then b's columns. */
  static int[] outShape(String op, Tensor a, boolean transA, Tensor b, boolean transB) {
    if (b.rank() != 2 || a.rank() < 2 || (transA && a.rank() != 2)) {
      throw new ShapeException(op + ": needs a " + (transA ? "2-d a (transposed)" : "[..., m, k] a")
          + " and a 2-d b, got a " + Shapes.str(a.shape()) + describe(transA) + " and b "
          + Shapes.str(b.shape()) + describe(transB));
    }
    int ka = transA ? a.dim(0) : a.dim(-1);
    int kb = transB ? b.dim(1) : b.dim(0);
    if (ka != kb) {
      throw new ShapeException(op + ": shapes " + Shapes.str(a.shape()) + describe(transA) + " and "
          + Shapes.str(b.shape()) + describe(transB) + " do not match: inner dimensions " + ka
          + " and " + kb);
    }
    int[] shape = a.shape();
    shape[shape.length - 1] = transB ? b.dim(0) : b.dim(1);
    if (transA) shape[0] = a.dim(1);
    return shape;
  }

  static void requireRank2(String op, Tensor a, Tensor b) {
    if (a.rank() != 2 || b.rank() != 2) {
      throw new ShapeException(op + ": needs 2-d operands, got " + Shapes.str(a.shape())
          + " and " + Shapes.str(b.shape()));
    }
  }

  static void requireOut(String op, Tensor out, int[] expected, Tensor a, Tensor b) {
    if (!Arrays.equals(out.shape(), expected)) {
      throw new ShapeException(op + ": output has shape " + Shapes.str(out.shape()) + " but "
          + Shapes.str(a.shape()) + " x " + Shapes.str(b.shape()) + " gives " + Shapes.str(expected));
    }
  }

  private static String describe(boolean trans) {
    return trans ? " (transposed)" : "";
  }
}
