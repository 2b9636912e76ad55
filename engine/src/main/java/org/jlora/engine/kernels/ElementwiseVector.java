package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** Elementwise kernels, vector version (placeholder until implemented). */
public final class ElementwiseVector {
  private ElementwiseVector() {}

  public static void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff, int bLen, float[] out, int outOff) {
    throw new UnsupportedOperationException("ElementwiseVector.binary is not implemented yet");
  }

  public static void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("ElementwiseVector.unary is not implemented yet");
  }

  public static void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    throw new UnsupportedOperationException("ElementwiseVector.unaryBackward is not implemented yet");
  }

  public static void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    throw new UnsupportedOperationException("ElementwiseVector.axpy is not implemented yet");
  }

  public static void scale(int n, float alpha, float[] x, int xOff) {
    throw new UnsupportedOperationException("ElementwiseVector.scale is not implemented yet");
  }

  public static void adamw(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2) {
    throw new UnsupportedOperationException("ElementwiseVector.adamw is not implemented yet");
  }

}
