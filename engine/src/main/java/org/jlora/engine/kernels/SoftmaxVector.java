package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** Softmax kernels, vector version (placeholder until implemented). */
public final class SoftmaxVector {
  private SoftmaxVector() {}

  public static void softmaxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("SoftmaxVector.softmaxRows is not implemented yet");
  }

  public static void logSoftmaxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("SoftmaxVector.logSoftmaxRows is not implemented yet");
  }

  public static void softmaxBackwardRows(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    throw new UnsupportedOperationException("SoftmaxVector.softmaxBackwardRows is not implemented yet");
  }

  public static void logSoftmaxBackwardRows(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    throw new UnsupportedOperationException("SoftmaxVector.logSoftmaxBackwardRows is not implemented yet");
  }

}
