package org.jlora.engine.kernels;

import org.jlora.engine.BinaryOp;
import org.jlora.engine.UnaryOp;

/**
 * Elementwise kernels, scalar reference: one plain loop per kernel, exactly as
 * {@link org.jlora.engine.Backend}'s Javadoc defines it. {@link ElementwiseVector} must agree.
 */
public final class ElementwiseScalar {
  private ElementwiseScalar() {}

  /** {@code out[i] = a[i % aLen] op b[i % bLen]}: a and b broadcast over leading dimensions. */
  public static void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff, int bLen,
                            float[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = op.apply(a[aOff + i % aLen], b[bOff + i % bLen]);
    }
  }

  /** {@code out[i] = f(x[i])}. */
  public static void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff) {
    for (int i = 0; i < n; i++) {
      out[outOff + i] = UnaryMath.apply(op, x[xOff + i]);
    }
  }

  /** {@code dx[i] (+)= dy[i] · f'(x[i])}, with {@code y = f(x)} passed for the rules that use it. */
  public static void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff,
                                   float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    for (int i = 0; i < n; i++) {
      float g = dy[dyOff + i] * UnaryMath.derivative(op, x[xOff + i], y[yOff + i]);
      dx[dxOff + i] = accumulate ? dx[dxOff + i] + g : g;
    }
  }

  /** {@code y[i] += alpha · x[i]}. */
  public static void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    for (int i = 0; i < n; i++) {
      y[yOff + i] += alpha * x[xOff + i];
    }
  }

  /** {@code x[i] *= alpha}. */
  public static void scale(int n, float alpha, float[] x, int xOff) {
    for (int i = 0; i < n; i++) {
      x[xOff + i] *= alpha;
    }
  }

  /**
   * One AdamW step (PyTorch's rule): decoupled weight decay, then the bias-corrected Adam update
   * {@code p -= lr · (m / bc1) / (sqrt(v / bc2) + eps)}.
   */
  public static void adamw(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                           float[] v, int vOff, float lr, float beta1, float beta2, float eps,
                           float weightDecay, float bc1, float bc2) {
    for (int i = 0; i < n; i++) {
      float gi = g[gOff + i];
      float pi = p[pOff + i] - lr * weightDecay * p[pOff + i];
      float mi = beta1 * m[mOff + i] + (1f - beta1) * gi;
      float vi = beta2 * v[vOff + i] + (1f - beta2) * gi * gi;
      pi -= lr * (mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps);
      p[pOff + i] = pi;
      m[mOff + i] = mi;
      v[vOff + i] = vi;
    }
  }
}
