package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.f32OrNull;
import static org.jlora.engine.kernels.HostTensors.offset;
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

  @Override
  public final void swiglu(Tensor gate, Tensor up, Tensor out) {
    sameSize("swiglu", "gate", gate, "up", up);
    sameSize("swiglu", "gate", gate, "out", out);
    swiglu(gate.size(), f32("swiglu", "gate", gate), gate.offset(), f32("swiglu", "up", up), up.offset(),
        f32("swiglu", "out", out), out.offset());
  }

  @Override
  public final void swigluBackward(Tensor gate, Tensor up, Tensor dy, Tensor dGate, Tensor dUp) {
    String op = "swigluBackward";
    sameSize(op, "gate", gate, "up", up);
    sameSize(op, "gate", gate, "dy", dy);
    if (dGate != null) sameSize(op, "gate", gate, "dGate", dGate);
    if (dUp != null) sameSize(op, "gate", gate, "dUp", dUp);
    swigluBackward(gate.size(), f32(op, "gate", gate), gate.offset(), f32(op, "up", up), up.offset(),
        f32(op, "dy", dy), dy.offset(), f32OrNull(op, "dGate", dGate), offset(dGate),
        f32OrNull(op, "dUp", dUp), offset(dUp));
  }

  /** A product by the mask: {@link #binary}'s MUL, the mask the same size as x (never repeated). */
  @Override
  public final void dropout(Tensor x, Tensor mask, Tensor out) {
    sameSize("dropout", "x", x, "mask", mask);
    sameSize("dropout", "x", x, "out", out);
    int n = x.size();
    binary(BinaryOp.MUL, n, f32("dropout", "x", x), x.offset(), n, f32("dropout", "mask", mask), mask.offset(), n,
        f32("dropout", "out", out), out.offset());
  }

  @Override
  public final void copyStrided(int[] shape, Tensor src, int srcStart, int[] srcStrides, Tensor dst, int dstStart,
                                int[] dstStrides, boolean accumulate) {
    reaches("src", shape, src, srcStart, srcStrides);
    reaches("dst", shape, dst, dstStart, dstStrides);
    if (Shapes.size(shape) == 0) return;
    if (shape.length == 0) {   // one element: a rank-1 walk of length 1
      shape = new int[] {1};
      srcStrides = new int[] {0};
      dstStrides = new int[] {0};
    }
    copyStrided(shape, f32("copyStrided", "src", src), src.offset() + srcStart, srcStrides,
        f32("copyStrided", "dst", dst), dst.offset() + dstStart, dstStrides, accumulate);
  }

  /** Every element a strided walk of {@code shape} reaches must lie in t's window. */
  private static void reaches(String name, int[] shape, Tensor t, int start, int[] strides) {
    boolean ok = strides.length == shape.length && start >= 0;
    long last = start;
    for (int d = 0; ok && d < shape.length; d++) {
      ok = strides[d] >= 0 && shape[d] >= 0;
      last += (long) Math.max(shape[d] - 1, 0) * strides[d];
    }
    if (!ok || (Shapes.size(shape) > 0 && last >= t.size())) {
      throw new ShapeException("copyStrided: " + name + " " + Shapes.str(t.shape()) + " from element " + start
          + " with strides " + Arrays.toString(strides) + " does not hold a walk of shape " + Shapes.str(shape));
    }
  }

  /** {@code out[i] = a[aOff + i % aLen] op b[bOff + i % bLen]} for {@code i < n}. */
  public abstract void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff, int bLen,
                              float[] out, int outOff);

  public abstract void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff);

  public abstract void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff,
                                     float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate);

  public abstract void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff);

  public abstract void scale(int n, float alpha, float[] x, int xOff);

  // gate, up: [n] -> out: [n]
  public abstract void swiglu(int n, float[] gate, int gOff, float[] up, int uOff, float[] out, int outOff);

  /** dGate or dUp may be null (not wanted). */
  // gate, up, dy: [n] -> dGate, dUp: [n]
  public abstract void swigluBackward(int n, float[] gate, int gOff, float[] up, int uOff, float[] dy, int dyOff,
                                      float[] dGate, int dgOff, float[] dUp, int duOff);

  /** {@link ElementwiseKernels#copyStrided} on arrays, the starts folded into the offsets; rank >= 1. */
  public abstract void copyStrided(int[] shape, float[] src, int srcOff, int[] srcStrides,
                                   float[] dst, int dstOff, int[] dstStrides, boolean accumulate);
}
