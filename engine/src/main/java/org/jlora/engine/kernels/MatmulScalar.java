package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** Matmul kernels, scalar version (placeholder until implemented). */
public final class MatmulScalar {
  private MatmulScalar() {}

  public static void matmul(int batch, int m, int n, int k, float[] a, int aOff, boolean transA, float[] b, int bOff, boolean transB, boolean shareB, float[] c, int cOff, boolean accumulate) {
    throw new UnsupportedOperationException("MatmulScalar.matmul is not implemented yet");
  }

}
