package org.jlora.engine.kernels;

import org.jlora.engine.BinaryOp;
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
}
