package org.jlora.engine;

/**
 * The geometry of a 2-d convolution over one image of one channel group: input
 * {@code [channels, height, width]}, a {@code kh x kw} kernel, stride, zero padding and dilation.
 */
public record ConvGeometry(int channels, int height, int width, int kh, int kw,
                           int strideH, int strideW, int padH, int padW, int dilH, int dilW) {
  public ConvGeometry {
    if (channels <= 0 || height <= 0 || width <= 0 || kh <= 0 || kw <= 0) {
      throw new IllegalArgumentException("conv geometry needs positive sizes: channels " + channels
          + ", height " + height + ", width " + width + ", kernel " + kh + "x" + kw);
    }
    if (strideH <= 0 || strideW <= 0 || dilH <= 0 || dilW <= 0 || padH < 0 || padW < 0) {
      throw new IllegalArgumentException("conv geometry needs stride, dilation > 0 and padding >= 0: stride "
          + strideH + "x" + strideW + ", padding " + padH + "x" + padW + ", dilation " + dilH + "x" + dilW);
    }
    // the fields are assigned only after this body, so outH()/outW() cannot be used here; a
    // negative span (kernel wider than the padded input) must be caught before integer division
    // rounds it towards zero into one spurious output
    int spanH = height + 2 * padH - dilH * (kh - 1) - 1;
    int spanW = width + 2 * padW - dilW * (kw - 1) - 1;
    if (spanH < 0 || spanW < 0) {
      throw new IllegalArgumentException("conv kernel " + kh + "x" + kw + " (dilation " + dilH + "x" + dilW
          + ") does not fit input " + height + "x" + width + " with padding " + padH + "x" + padW);
    }
  }

  public int outH() {
    return (height + 2 * padH - dilH * (kh - 1) - 1) / strideH + 1;
  }

  public int outW() {
    return (width + 2 * padW - dilW * (kw - 1) - 1) / strideW + 1;
  }

  /** Rows of the column matrix: {@code channels · kh · kw}. */
  public int colRows() {
    return channels * kh * kw;
  }

  /** Columns of the column matrix: {@code outH · outW}. */
  public int colCols() {
    return outH() * outW();
  }
}
