package org.jlora.tornado.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Row-wise kernels (the engine's RowKernels: softmax, log-softmax, their backward, LayerNorm) as {@code @Parallel} loops,
 * one work-item per row; the LayerNorm parameter gradients are a second loop with one work-item
 * per column, so no two work-items write the same element and nothing needs atomics. Sums are in
 * float (not every device has doubles), in row order; every operand is a window {@code (array, offset)}. Parameters must not share a name with an
 * OpenCL built-in ({@code log}, {@code exp}, ...): TornadoVM keeps Java's names in the kernel source.
 */
public final class Rows {
  private Rows() {}

  // x: [rows, cols] -> out: [rows, cols], softmax (logForm == 0) or log-softmax (logForm == 1) per row
  public static void softmax(FloatArray x, int xOff, FloatArray out, int outOff, int rows, int cols, int logForm) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = xOff + r * cols;
      int orow = outOff + r * cols;
      float max = x.get(row);
      for (int c = 1; c < cols; c++) {
        float v = x.get(row + c);
        if (v > max || v != v) max = v;
      }
      float sum = 0f;
      for (int c = 0; c < cols; c++) {
        float e = TornadoMath.exp(x.get(row + c) - max);
        if (logForm == 0) out.set(orow + c, e);
        sum += e;
      }
      if (logForm == 0) {
        float inv = 1f / sum;
        for (int c = 0; c < cols; c++) out.set(orow + c, out.get(orow + c) * inv);
      } else {
        float logSum = TornadoMath.log(sum);
        for (int c = 0; c < cols; c++) out.set(orow + c, x.get(row + c) - max - logSum);
      }
    }
  }

  // y, dy: [rows, cols] -> dx (+)= y·(dy - sum(dy·y)) (logForm == 0) or dy - exp(y)·sum(dy) (logForm == 1)
  public static void softmaxBackward(FloatArray y, int yOff, FloatArray dy, int dyOff, FloatArray dx, int dxOff,
                                     int rows, int cols, int logForm, int accumulate) {
    for (@Parallel int r = 0; r < rows; r++) {
      int yr = yOff + r * cols;
      int dyr = dyOff + r * cols;
      int dxr = dxOff + r * cols;
      float s = 0f;
      for (int c = 0; c < cols; c++) {
        s += logForm == 0 ? dy.get(dyr + c) * y.get(yr + c) : dy.get(dyr + c);
      }
      for (int c = 0; c < cols; c++) {
        float g = logForm == 0 ? y.get(yr + c) * (dy.get(dyr + c) - s)
                           : dy.get(dyr + c) - TornadoMath.exp(y.get(yr + c)) * s;
        dx.set(dxr + c, accumulate == 1 ? dx.get(dxr + c) + g : g);
      }
    }
  }

  // p[pOff] = eps; x: [rows, cols], gamma, beta: [cols] -> out: [rows, cols], mean, rstd: [rows]
  public static void layerNormForward(FloatArray p, int pOff, FloatArray x, int xOff, FloatArray gamma, int gOff,
                                      FloatArray beta, int bOff, FloatArray out, int outOff,
                                      FloatArray mean, int meanOff, FloatArray rstd, int rstdOff,
                                      int rows, int cols, int affineGamma, int affineBeta) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = xOff + r * cols;
      int orow = outOff + r * cols;
      float sum = 0f;
      for (int c = 0; c < cols; c++) sum += x.get(row + c);
      float mu = sum / cols;
      float squares = 0f;
      for (int c = 0; c < cols; c++) {
        float d = x.get(row + c) - mu;
        squares += d * d;
      }
      float s = 1f / TornadoMath.sqrt(squares / cols + p.get(pOff));
      mean.set(meanOff + r, mu);
      rstd.set(rstdOff + r, s);
      for (int c = 0; c < cols; c++) {
        float g = affineGamma == 1 ? gamma.get(gOff + c) : 1f;
        float b = affineBeta == 1 ? beta.get(bOff + c) : 0f;
        out.set(orow + c, (x.get(row + c) - mu) * s * g + b);
      }
    }
  }

  // x, dy: [rows, cols], gamma: [cols], mean, rstd: [rows] -> dx (+)= rstd·(g - mean(g) - xhat·mean(g·xhat))
  public static void layerNormBackwardInput(FloatArray x, int xOff, FloatArray gamma, int gOff,
                                            FloatArray mean, int meanOff, FloatArray rstd, int rstdOff,
                                            FloatArray dy, int dyOff, FloatArray dx, int dxOff, int rows, int cols,
                                            int affineGamma, int accumulate) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = xOff + r * cols;
      int dyr = dyOff + r * cols;
      int dxr = dxOff + r * cols;
      float mu = mean.get(meanOff + r);
      float s = rstd.get(rstdOff + r);
      float sumG = 0f;
      float sumGXhat = 0f;
      for (int c = 0; c < cols; c++) {
        float g = dy.get(dyr + c) * (affineGamma == 1 ? gamma.get(gOff + c) : 1f);
        sumG += g;
        sumGXhat += g * (x.get(row + c) - mu) * s;
      }
      float meanG = sumG / cols;
      float meanGXhat = sumGXhat / cols;
      for (int c = 0; c < cols; c++) {
        float xhat = (x.get(row + c) - mu) * s;
        float g = dy.get(dyr + c) * (affineGamma == 1 ? gamma.get(gOff + c) : 1f);
        float d = s * (g - meanG - xhat * meanGXhat);
        dx.set(dxr + c, accumulate == 1 ? dx.get(dxr + c) + d : d);
      }
    }
  }

  // x, dy: [rows, cols], mean, rstd: [rows] -> dgamma (+)= sum_r dy·xhat, dbeta (+)= sum_r dy: [cols]
  // (which = 1: dgamma only, 2: dbeta only, 3: both)
  public static void layerNormBackwardParams(FloatArray x, int xOff, FloatArray mean, int meanOff,
                                             FloatArray rstd, int rstdOff, FloatArray dy, int dyOff,
                                             FloatArray dgamma, int dgOff, FloatArray dbeta, int dbOff,
                                             int rows, int cols, int which, int accumulate) {
    for (@Parallel int c = 0; c < cols; c++) {
      float sumDyXhat = 0f;
      float sumDy = 0f;
      for (int r = 0; r < rows; r++) {
        float d = dy.get(dyOff + r * cols + c);
        sumDyXhat += d * (x.get(xOff + r * cols + c) - mean.get(meanOff + r)) * rstd.get(rstdOff + r);
        sumDy += d;
      }
      if ((which & 1) != 0) dgamma.set(dgOff + c, accumulate == 1 ? dgamma.get(dgOff + c) + sumDyXhat : sumDyXhat);
      if ((which & 2) != 0) dbeta.set(dbOff + c, accumulate == 1 ? dbeta.get(dbOff + c) + sumDy : sumDy);
    }
  }
}
