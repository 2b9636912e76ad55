package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** Im2col kernels, scalar version (placeholder until implemented). */
public final class Im2colScalar {
  private Im2colScalar() {}

  public static void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff) {
    throw new UnsupportedOperationException("Im2colScalar.im2col is not implemented yet");
  }

  public static void col2im(ConvGeometry g, float[] col, int colOff, float[] dx, int dxOff, boolean accumulate) {
    throw new UnsupportedOperationException("Im2colScalar.col2im is not implemented yet");
  }

}
