package org.jlora.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Row-wise kernels (softmax, log-softmax, their backward, LayerNorm) as {@code @Parallel} loops,
 * one work-item per row; the LayerNorm parameter gradients are a second loop with one work-item
 * per column, so no two work-items write the same element and nothing needs atomics. Sums are in
 * float (not every device has doubles), in row order. Parameters must not share a name with an
 * OpenCL built-in ({@code log}, {@code exp}, ...): TornadoVM keeps Java's names in the kernel source.
 */
final class RowKernels {
  private RowKernels() {}

  /** Slot of LayerNorm's {@code params} array. */
  static final int EPS = 0;

  // x: [rows, cols] -> out: [rows, cols], softmax (logForm == 0) or log-softmax (logForm == 1) per row
  static void softmax(FloatArray x, FloatArray out, int rows, int cols, int logForm) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = r * cols;
      float max = x.get(row);
      for (int c = 1; c < cols; c++) {
        float v = x.get(row + c);
        if (v > max || v != v) max = v;
      }
      float sum = 0f;
      for (int c = 0; c < cols; c++) {
        float e = TornadoMath.exp(x.get(row + c) - max);
        if (logForm == 0) out.set(row + c, e);
        sum += e;
      }
      if (logForm == 0) {
        float inv = 1f / sum;
        for (int c = 0; c < cols; c++) out.set(row + c, out.get(row + c) * inv);
      } else {
        float logSum = TornadoMath.log(sum);
        for (int c = 0; c < cols; c++) out.set(row + c, x.get(row + c) - max - logSum);
      }
    }
  }

  // y, dy: [rows, cols] -> dx (+)= y·(dy - sum(dy·y)) (logForm == 0) or dy - exp(y)·sum(dy) (logForm == 1)
  static void softmaxBackward(FloatArray y, FloatArray dy, FloatArray dx, int rows, int cols,
                              int logForm, int accumulate) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = r * cols;
      float s = 0f;
      for (int c = 0; c < cols; c++) {
        s += logForm == 0 ? dy.get(row + c) * y.get(row + c) : dy.get(row + c);
      }
      for (int c = 0; c < cols; c++) {
        float g = logForm == 0 ? y.get(row + c) * (dy.get(row + c) - s)
                           : dy.get(row + c) - TornadoMath.exp(y.get(row + c)) * s;
        dx.set(row + c, accumulate == 1 ? dx.get(row + c) + g : g);
      }
    }
  }

  // params: [eps]; x: [rows, cols], gamma, beta: [cols] -> out: [rows, cols], mean, rstd: [rows]
  static void layerNormForward(FloatArray params, FloatArray x, FloatArray gamma, FloatArray beta,
                               FloatArray out, FloatArray mean, FloatArray rstd,
                               int rows, int cols, int affineGamma, int affineBeta) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = r * cols;
      float sum = 0f;
      for (int c = 0; c < cols; c++) sum += x.get(row + c);
      float mu = sum / cols;
      float squares = 0f;
      for (int c = 0; c < cols; c++) {
        float d = x.get(row + c) - mu;
        squares += d * d;
      }
      float s = 1f / TornadoMath.sqrt(squares / cols + params.get(EPS));
      mean.set(r, mu);
      rstd.set(r, s);
      for (int c = 0; c < cols; c++) {
        float g = affineGamma == 1 ? gamma.get(c) : 1f;
        float b = affineBeta == 1 ? beta.get(c) : 0f;
        out.set(row + c, (x.get(row + c) - mu) * s * g + b);
      }
    }
  }

  // x, dy: [rows, cols], gamma: [cols], mean, rstd: [rows] -> dx (+)= rstd·(g - mean(g) - xhat·mean(g·xhat))
  static void layerNormBackwardInput(FloatArray x, FloatArray gamma, FloatArray mean, FloatArray rstd,
                                     FloatArray dy, FloatArray dx, int rows, int cols,
                                     int affineGamma, int accumulate) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = r * cols;
      float mu = mean.get(r);
      float s = rstd.get(r);
      float sumG = 0f;
      float sumGXhat = 0f;
      for (int c = 0; c < cols; c++) {
        float g = dy.get(row + c) * (affineGamma == 1 ? gamma.get(c) : 1f);
        sumG += g;
        sumGXhat += g * (x.get(row + c) - mu) * s;
      }
      float meanG = sumG / cols;
      float meanGXhat = sumGXhat / cols;
      for (int c = 0; c < cols; c++) {
        float xhat = (x.get(row + c) - mu) * s;
        float g = dy.get(row + c) * (affineGamma == 1 ? gamma.get(c) : 1f);
        float d = s * (g - meanG - xhat * meanGXhat);
        dx.set(row + c, accumulate == 1 ? dx.get(row + c) + d : d);
      }
    }
  }

  // x, dy: [rows, cols], mean, rstd: [rows] -> dgamma (+)= sum_r dy·xhat, dbeta (+)= sum_r dy: [cols]
  static void layerNormBackwardParams(FloatArray x, FloatArray mean, FloatArray rstd, FloatArray dy,
                                      FloatArray dgamma, FloatArray dbeta, int rows, int cols,
                                      int accumulate) {
    for (@Parallel int c = 0; c < cols; c++) {
      float sumDyXhat = 0f;
      float sumDy = 0f;
      for (int r = 0; r < rows; r++) {
        float d = dy.get(r * cols + c);
        sumDyXhat += d * (x.get(r * cols + c) - mean.get(r)) * rstd.get(r);
        sumDy += d;
      }
      dgamma.set(c, accumulate == 1 ? dgamma.get(c) + sumDyXhat : sumDyXhat);
      dbeta.set(c, accumulate == 1 ? dbeta.get(c) + sumDy : sumDy);
    }
  }
}
