package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** Reduce kernels, scalar version (placeholder until implemented). */
public final class ReduceScalar {
  private ReduceScalar() {}

  public static double sum(int n, float[] x, int off) {
    throw new UnsupportedOperationException("ReduceScalar.sum is not implemented yet");
  }

  public static float max(int n, float[] x, int off) {
    throw new UnsupportedOperationException("ReduceScalar.max is not implemented yet");
  }

  public static void sumRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("ReduceScalar.sumRows is not implemented yet");
  }

  public static void maxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("ReduceScalar.maxRows is not implemented yet");
  }

  public static void sumColumns(int rows, int cols, float[] x, int xOff, float[] out, int outOff, boolean accumulate) {
    throw new UnsupportedOperationException("ReduceScalar.sumColumns is not implemented yet");
  }

}
