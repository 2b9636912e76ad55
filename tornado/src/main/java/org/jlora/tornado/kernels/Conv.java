package org.jlora.tornado.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * im2col and col2im on the device, in the engine's layout ({@code Im2colScalar}): row
 * {@code (c·kh + i)·kw + j} of col holds what kernel tap (i, j) of channel c sees at every output
 * position {@code oh·outW + ow}, zero in the padding.
 *
 * <p>im2col gives each work-item one element of col. col2im, the adjoint, is a scatter-add on the
 * host; here each work-item owns one pixel of dx and gathers the taps that read it, in tap order,
 * which is the order the scatter adds them in: the same sums without atomics.
 */
public final class Conv {
  private Conv() {}

  // x: [C, H, W] -> col: [C·kh·kw, outH·outW]
  public static void im2col(FloatArray mem, int xOff, int colOff, int channels, int height, int width, int kh, int kw,
                            int strideH, int strideW, int padH, int padW, int dilH, int dilW, int outH, int outW) {
    int cols = outH * outW;
    for (@Parallel int e = 0; e < channels * kh * kw * cols; e++) {
      int row = e / cols;
      int p = e - row * cols;
      int j = row % kw;
      int i = (row / kw) % kh;
      int c = row / (kw * kh);
      int ih = (p / outW) * strideH - padH + i * dilH;
      int iw = (p % outW) * strideW - padW + j * dilW;
      float v = 0f;
      if (ih >= 0 && ih < height && iw >= 0 && iw < width) v = mem.get(xOff + (c * height + ih) * width + iw);
      mem.set(colOff + e, v);
    }
  }

  // col: [C·kh·kw, outH·outW] -> dx: [C, H, W] (+)= every tap's entry for its pixel
  public static void col2im(FloatArray mem, int colOff, int dxOff, int channels, int height, int width, int kh, int kw,
                            int strideH, int strideW, int padH, int padW, int dilH, int dilW, int outH, int outW,
                            int accumulate) {
    int cols = outH * outW;
    for (@Parallel int e = 0; e < channels * height * width; e++) {
      int c = e / (height * width);
      int ih = (e / width) % height;
      int iw = e % width;
      float s = 0f;
      if (accumulate == 1) s = mem.get(dxOff + e);
      for (int i = 0; i < kh; i++) {
        int th = ih + padH - i * dilH;   // = oh·strideH when tap i of output row oh reads this pixel
        if (th >= 0 && th % strideH == 0 && th / strideH < outH) {
          for (int j = 0; j < kw; j++) {
            int tw = iw + padW - j * dilW;
            if (tw >= 0 && tw % strideW == 0 && tw / strideW < outW) {
              s += mem.get(colOff + ((c * kh + i) * kw + j) * cols + (th / strideH) * outW + tw / strideW);
            }
          }
        }
      }
      mem.set(dxOff + e, s);
    }
  }
}
