package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** Elementwise kernels, scalar version (placeholder until implemented). */
public final class ElementwiseScalar {
  private ElementwiseScalar() {}

  public static void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff, int bLen, float[] out, int outOff) {
    throw new UnsupportedOperationException("ElementwiseScalar.binary is not implemented yet");
  }

  public static void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("ElementwiseScalar.unary is not implemented yet");
  }

  public static void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    throw new UnsupportedOperationException("ElementwiseScalar.unaryBackward is not implemented yet");
  }

  public static void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    throw new UnsupportedOperationException("ElementwiseScalar.axpy is not implemented yet");
  }

  public static void scale(int n, float alpha, float[] x, int xOff) {
    throw new UnsupportedOperationException("ElementwiseScalar.scale is not implemented yet");
  }

  public static void adamw(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2) {
    throw new UnsupportedOperationException("ElementwiseScalar.adamw is not implemented yet");
  }

}
