package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** LayerNorm kernels, vector version (placeholder until implemented). */
public final class LayerNormVector {
  private LayerNormVector() {}

  public static void layerNormForward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff, float[] beta, int bOff, float eps, float[] out, int outOff, float[] mean, int meanOff, float[] rstd, int rstdOff) {
    throw new UnsupportedOperationException("LayerNormVector.layerNormForward is not implemented yet");
  }

  public static void layerNormBackward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff, float[] mean, int meanOff, float[] rstd, int rstdOff, float[] dy, int dyOff, float[] dx, int dxOff, float[] dgamma, int dgOff, float[] dbeta, int dbOff, boolean accumulate) {
    throw new UnsupportedOperationException("LayerNormVector.layerNormBackward is not implemented yet");
  }

}
