package org.jlora.engine.kernels;

import org.jlora.engine.BinaryOp;
import org.jlora.engine.Shapes;
import org.jlora.engine.UnaryOp;

/**
 * Elementwise kernels, scalar reference: one plain loop per kernel, exactly as
 * {@link org.jlora.engine.ElementwiseKernels} defines it. {@link ElementwiseVector} must agree.
 */
public final class ElementwiseScalar extends ElementwiseOnHost {
  /** {@code out[i] = a[i % aLen] op b[i % bLen]}: a and b broadcast over leading dimensions. */
  @Override
  public void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff, int bLen,
                            float[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = op.apply(a[aOff + i % aLen], b[bOff + i % bLen]);
    }
  }

  /** {@code out[i] = f(x[i])}. */
  @Override
  public void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = UnaryMath.apply(op, x[xOff + i]);
    }
  }

  /** {@code dx[i] (+)= dy[i] · f'(x[i])}, with {@code y = f(x)} passed for the rules that use it. */
  @Override
  public void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff,
                                   float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    for (int i = 0; i < n; i++) {
      float g = dy[dyOff + i] * UnaryMath.derivative(op, x[xOff + i], y[yOff + i]);
      dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
    }
  }

  /** {@code y[i] += alpha · x[i]}. */
  @Override
  public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }

  /** {@code x[i] *= alpha}. */
  @Override
  public void scale(int n, float alpha, float[] x, int xOff) {
    for (int i = 0; i < n; i++) {
      x[xOff + i] *= alpha;
    }
  }

  /** {@code out = silu(gate) ∘ up} ({@link SwiGluScalar}). */
  @Override
  public void swiglu(int n, float[] gate, int gOff, float[] up, int uOff, float[] out, int outOff) {
    SwiGluScalar.forward(n, gate, gOff, up, uOff, out, outOff);
  }

  @Override
  public void swigluBackward(int n, float[] gate, int gOff, float[] up, int uOff, float[] dy, int dyOff,
                             float[] dGate, int dgOff, float[] dUp, int duOff) {
    SwiGluScalar.backward(n, gate, gOff, up, uOff, dy, dyOff, dGate, dgOff, dUp, duOff);
  }

  /** Row after row of the walk (a row: the last axis), in row-major order. */
  @Override
  public void copyStrided(int[] shape, float[] src, int srcOff, int[] srcStrides,
                          float[] dst, int dstOff, int[] dstStrides, boolean accumulate) {
    int last = shape[shape.length - 1];
    int ss = srcStrides[shape.length - 1], ds = dstStrides[shape.length - 1];
    for (int r = 0, rows = Shapes.size(shape) / last; r < rows; r++) {
      int s = rowStart(r, shape, srcStrides, srcOff);
      int d = rowStart(r, shape, dstStrides, dstOff);
      for (int j = 0; j < last; j++) {
        float v = src[s + j * ss];
        dst[d + j * ds] = accumulate ? dst[d + j * ds] + v : v;
      }
    }
  }

  /** Where row r of a strided walk starts: {@code base + Σ_d i_d·strides[d]} over every axis but the last. */
  static int rowStart(int r, int[] shape, int[] strides, int base) {
    int at = base;
    for (int d = shape.length - 2; d >= 0; d--) {
      at += (r % shape[d]) * strides[d];
      r /= shape[d];
    }
    return at;
  }
}
