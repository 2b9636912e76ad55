package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** Reduce kernels, vector version (placeholder until implemented). */
public final class ReduceVector {
  private ReduceVector() {}

  public static double sum(int n, float[] x, int off) {
    throw new UnsupportedOperationException("ReduceVector.sum is not implemented yet");
  }

  public static float max(int n, float[] x, int off) {
    throw new UnsupportedOperationException("ReduceVector.max is not implemented yet");
  }

  public static void sumRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("ReduceVector.sumRows is not implemented yet");
  }

  public static void maxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("ReduceVector.maxRows is not implemented yet");
  }

  public static void sumColumns(int rows, int cols, float[] x, int xOff, float[] out, int outOff, boolean accumulate) {
    throw new UnsupportedOperationException("ReduceVector.sumColumns is not implemented yet");
  }

}
