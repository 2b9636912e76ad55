package org.jlora.engine;

/**
 * im2col and col2im on tensors: shape checks around {@link Backend#im2col} and
 * {@link Backend#col2im}, run on {@link Backends#current()}.
 *
 * <p>The layout is PyTorch's {@code unfold}: row {@code (c·kh + i)·kw + j}, column
 * {@code oh·outW + ow}. A convolution is then one matrix product,
 * {@code W.reshape(O, C·kh·kw) · im2col(x)}, and its input gradient is
 * {@code col2im(Wᵀ · dy)}.
 */
public final class Im2col {
  private Im2col() {}

  /** A fresh column matrix for one image. */
  // image: [C, H, W] -> [C*kh*kw, outH*outW]
  public static Tensor im2col(Tensor image, ConvGeometry g) {
    Tensor col = Tensor.zeros(g.colRows(), g.colCols());
    im2col(image, g, col);
    return col;
  }

  /** Writes the column matrix of {@code image} into {@code col} (a reused buffer). */
  // image: [C, H, W] -> col: [C*kh*kw, outH*outW]
  public static void im2col(Tensor image, ConvGeometry g, Tensor col) {
    checkImage("im2col", image, g);
    checkCol("im2col", col, g);
    Backends.current().im2col(g, image.data(), image.offset(), col.data(), col.offset());
  }

  /** A fresh image gradient: the adjoint of {@link #im2col(Tensor, ConvGeometry)}. */
  // col: [C*kh*kw, outH*outW] -> [C, H, W]
  public static Tensor col2im(Tensor col, ConvGeometry g) {
    Tensor dx = Tensor.zeros(g.channels(), g.height(), g.width());
    col2im(col, g, dx, false);
    return dx;
  }

  /** Writes (or with {@code accumulate}, adds) the fold of {@code col} into {@code dx}. */
  // col: [C*kh*kw, outH*outW] -> dx: [C, H, W]
  public static void col2im(Tensor col, ConvGeometry g, Tensor dx, boolean accumulate) {
    checkCol("col2im", col, g);
    checkImage("col2im", dx, g);
    Backends.current().col2im(g, col.data(), col.offset(), dx.data(), dx.offset(), accumulate);
  }

  private static void checkImage(String op, Tensor image, ConvGeometry g) {
    int[] want = {g.channels(), g.height(), g.width()};
    if (!java.util.Arrays.equals(image.shape(), want)) {
      throw new ShapeException(op + ": image " + Shapes.str(image.shape()) + " does not match the geometry's "
          + Shapes.str(want) + " (" + g + ")");
    }
  }

  private static void checkCol(String op, Tensor col, ConvGeometry g) {
    int[] want = {g.colRows(), g.colCols()};
    if (!java.util.Arrays.equals(col.shape(), want)) {
      throw new ShapeException(op + ": column matrix " + Shapes.str(col.shape()) + " must be "
          + Shapes.str(want) + " = [C*kh*kw, outH*outW] for " + g);
    }
  }
}
