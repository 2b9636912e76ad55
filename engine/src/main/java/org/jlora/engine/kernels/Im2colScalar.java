package org.jlora.engine.kernels;

import org.jlora.engine.ConvGeometry;

/**
 * im2col and its adjoint col2im, scalar reference, in PyTorch's {@code unfold} layout: row
 * {@code (c·kh + i)·kw + j} holds, for every output position {@code (oh, ow)} at column
 * {@code oh·outW + ow}, the input pixel that kernel tap {@code (i, j)} of channel c sees there
 * (zero where the tap falls in the padding).
 */
public final class Im2colScalar extends ConvOnHost {
  /** Unfolds one image into its column matrix (every element of {@code col} is written). */
  // x: [C, H, W] -> col: [C*kh*kw, outH*outW]
  @Override
  public void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff) {
    int outH = g.outH();
    int outW = g.outW();
    int cols = outH * outW;
    for (int c = 0; c < g.channels(); c++) {
      for (int i = 0; i < g.kh(); i++) {
        for (int j = 0; j < g.kw(); j++) {
          int row = (c * g.kh() + i) * g.kw() + j;
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * g.strideH() - g.padH() + i * g.dilH();
            for (int ow = 0; ow < outW; ow++) {
              int iw = ow * g.strideW() - g.padW() + j * g.dilW();
              boolean inside = ih >= 0 && ih < g.height() && iw >= 0 && iw < g.width();
              col[colOff + row * cols + oh * outW + ow] =
                  inside ? x[xOff + (c * g.height() + ih) * g.width() + iw] : 0f;
            }
          }
        }
      }
    }
  }

  /**
   * Folds a column matrix back onto the image: each entry is added to the pixel it was copied
   * from, so pixels seen by several taps sum their gradients; padding entries are dropped.
   */
  // col: [C*kh*kw, outH*outW] -> dx: [C, H, W]
  @Override
  public void col2im(ConvGeometry g, float[] col, int colOff, float[] dx, int dxOff, boolean accumulate) {
    int outH = g.outH();
    int outW = g.outW();
    int cols = outH * outW;
    if (!accumulate) {
      java.util.Arrays.fill(dx, dxOff, dxOff + g.channels() * g.height() * g.width(), 0f);
    }
    for (int c = 0; c < g.channels(); c++) {
      for (int i = 0; i < g.kh(); i++) {
        for (int j = 0; j < g.kw(); j++) {
          int row = (c * g.kh() + i) * g.kw() + j;
          for (int oh = 0; oh < outH; oh++) {
            int ih = oh * g.strideH() - g.padH() + i * g.dilH();
            for (int ow = 0; ow < outW; ow++) {
              int iw = ow * g.strideW() - g.padW() + j * g.dilW();
              if (ih >= 0 && ih < g.height() && iw >= 0 && iw < g.width()) {
                dx[dxOff + (c * g.height() + ih) * g.width() + iw] += col[colOff + row * cols + oh * outW + ow];
              }
            }
          }
        }
      }
    }
  }
}
