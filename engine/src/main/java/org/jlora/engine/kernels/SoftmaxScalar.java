package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** Softmax kernels, scalar version (placeholder until implemented). */
public final class SoftmaxScalar {
  private SoftmaxScalar() {}

  public static void softmaxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("SoftmaxScalar.softmaxRows is not implemented yet");
  }

  public static void logSoftmaxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("SoftmaxScalar.logSoftmaxRows is not implemented yet");
  }

  public static void softmaxBackwardRows(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    throw new UnsupportedOperationException("SoftmaxScalar.softmaxBackwardRows is not implemented yet");
  }

  public static void logSoftmaxBackwardRows(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    throw new UnsupportedOperationException("SoftmaxScalar.logSoftmaxBackwardRows is not implemented yet");
  }

}
