package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.sameSize;

import java.util.Arrays;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.ElementwiseKernels;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;

/**
 * The tensor door of the host elementwise kernels: checks the windows' sizes and that they are
 * host f32, then hands arrays and offsets to the implementation ({@link ElementwiseVector},
 * {@link ElementwiseScalar}). {@link #fill} and {@link #copy} are the JDK's own loops
 * ({@code Arrays.fill}, {@code System.arraycopy}) for both: there is nothing to vectorise by hand.
 */
public abstract class ElementwiseOnHost implements ElementwiseKernels {
  protected ElementwiseOnHost() {}

  @Override
  public final void binary(BinaryOp op, Tensor a, Tensor b, Tensor out) {
    int n = out.size();
    repeats(op, "a", a, n, out);
    repeats(op, "b", b, n, out);
    binary(op, n, f32("binary", "a", a), a.offset(), a.size(), f32("binary", "b", b), b.offset(), b.size(),
        f32("binary", "out", out), out.offset());
  }

  private static void repeats(BinaryOp op, String name, Tensor x, int n, Tensor out) {
    if (x.size() == 0 ? n != 0 : n % x.size() != 0) {
      throw new ShapeException(op.name().toLowerCase(java.util.Locale.ROOT) + ": " + name + " "
          + Shapes.str(x.shape()) + " does not repeat evenly into out " + Shapes.str(out.shape()));
    }
  }

  @Override
  public final void unary(UnaryOp op, Tensor x, Tensor out) {
    sameSize("unary", "x", x, "out", out);
    unary(op, x.size(), f32("unary", "x", x), x.offset(), f32("unary", "out", out), out.offset());
  }

  @Override
  public final void unaryBackward(UnaryOp op, Tensor x, Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
    String name = "unaryBackward";
    sameSize(name, "x", x, "y", y);
    sameSize(name, "x", x, "dy", dy);
    sameSize(name, "x", x, "dx", dx);
    unaryBackward(op, x.size(), f32(name, "x", x), x.offset(), f32(name, "y", y), y.offset(),
        f32(name, "dy", dy), dy.offset(), f32(name, "dx", dx), dx.offset(), accumulate);
  }

  @Override
  public final void axpy(float alpha, Tensor x, Tensor y) {
    sameSize("axpy", "x", x, "y", y);
    axpy(x.size(), alpha, f32("axpy", "x", x), x.offset(), f32("axpy", "y", y), y.offset());
  }

  @Override
  public final void scale(float alpha, Tensor x) {
    scale(x.size(), alpha, f32("scale", "x", x), x.offset());
  }

  @Override
  public final void fill(Tensor x, float value) {
    Arrays.fill(f32("fill", "x", x), x.offset(), x.offset() + x.size(), value);
  }

  @Override
  public final void copy(Tensor src, Tensor dst) {
    sameSize("copy", "src", src, "dst", dst);
    System.arraycopy(f32("copy", "src", src), src.offset(), f32("copy", "dst", dst), dst.offset(), src.size());
  }

  /** {@code out[i] = a[aOff + i % aLen] op b[bOff + i % bLen]} for {@code i < n}. */
  public abstract void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff, int bLen,
                              float[] out, int outOff);

  public abstract void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff);

  public abstract void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff,
                                     float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate);

  public abstract void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff);

  public abstract void scale(int n, float alpha, float[] x, int xOff);
}
