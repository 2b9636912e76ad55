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
  public static void softmax(FloatArray mem, int xOff, int outOff, int rows, int cols, int logForm) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = xOff + r * cols;
      int orow = outOff + r * cols;
      float max = mem.get(row);
      for (int c = 1; c < cols; c++) {
        float v = mem.get(row + c);
        if (v > max || v != v) max = v;
      }
      float sum = 0f;
      for (int c = 0; c < cols; c++) {
        float e = TornadoMath.exp(mem.get(row + c) - max);
        if (logForm == 0) mem.set(orow + c, e);
        sum += e;
      }
      if (logForm == 0) {
        float inv = 1f / sum;
        for (int c = 0; c < cols; c++) mem.set(orow + c, mem.get(orow + c) * inv);
      } else {
        float logSum = TornadoMath.log(sum);
        for (int c = 0; c < cols; c++) mem.set(orow + c, mem.get(row + c) - max - logSum);
      }
    }
  }

  // y, dy: [rows, cols] -> dx (+)= y·(dy - sum(dy·y)) (logForm == 0) or dy - exp(y)·sum(dy) (logForm == 1)
  public static void softmaxBackward(FloatArray mem, int yOff, int dyOff, int dxOff,
                                     int rows, int cols, int logForm, int accumulate) {
    for (@Parallel int r = 0; r < rows; r++) {
      int yr = yOff + r * cols;
      int dyr = dyOff + r * cols;
      int dxr = dxOff + r * cols;
      float s = 0f;
      for (int c = 0; c < cols; c++) {
        s += logForm == 0 ? mem.get(dyr + c) * mem.get(yr + c) : mem.get(dyr + c);
      }
      for (int c = 0; c < cols; c++) {
        float g = logForm == 0 ? mem.get(yr + c) * (mem.get(dyr + c) - s)
                           : mem.get(dyr + c) - TornadoMath.exp(mem.get(yr + c)) * s;
        mem.set(dxr + c, accumulate == 1 ? mem.get(dxr + c) + g : g);
      }
    }
  }

  // p[pOff] = eps; x: [rows, cols], gamma, beta: [cols] -> out: [rows, cols], mean, rstd: [rows]
  public static void layerNormForward(FloatArray mem, int pOff, int xOff, int gOff,
                                      int bOff, int outOff,
                                      int meanOff, int rstdOff,
                                      int rows, int cols, int affineGamma, int affineBeta) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = xOff + r * cols;
      int orow = outOff + r * cols;
      float sum = 0f;
      for (int c = 0; c < cols; c++) sum += mem.get(row + c);
      float mu = sum / cols;
      float squares = 0f;
      for (int c = 0; c < cols; c++) {
        float d = mem.get(row + c) - mu;
        squares += d * d;
      }
      float s = 1f / TornadoMath.sqrt(squares / cols + mem.get(pOff));
      mem.set(meanOff + r, mu);
      mem.set(rstdOff + r, s);
      for (int c = 0; c < cols; c++) {
        float g = affineGamma == 1 ? mem.get(gOff + c) : 1f;
        float b = affineBeta == 1 ? mem.get(bOff + c) : 0f;
        mem.set(orow + c, (mem.get(row + c) - mu) * s * g + b);
      }
    }
  }

  // x, dy: [rows, cols], gamma: [cols], mean, rstd: [rows] -> dx (+)= rstd·(g - mean(g) - xhat·mean(g·xhat))
  public static void layerNormBackwardInput(FloatArray mem, int xOff, int gOff,
                                            int meanOff, int rstdOff,
                                            int dyOff, int dxOff, int rows, int cols,
                                            int affineGamma, int accumulate) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = xOff + r * cols;
      int dyr = dyOff + r * cols;
      int dxr = dxOff + r * cols;
      float mu = mem.get(meanOff + r);
      float s = mem.get(rstdOff + r);
      float sumG = 0f;
      float sumGXhat = 0f;
      for (int c = 0; c < cols; c++) {
        float g = mem.get(dyr + c) * (affineGamma == 1 ? mem.get(gOff + c) : 1f);
        sumG += g;
        sumGXhat += g * (mem.get(row + c) - mu) * s;
      }
      float meanG = sumG / cols;
      float meanGXhat = sumGXhat / cols;
      for (int c = 0; c < cols; c++) {
        float xhat = (mem.get(row + c) - mu) * s;
        float g = mem.get(dyr + c) * (affineGamma == 1 ? mem.get(gOff + c) : 1f);
        float d = s * (g - meanG - xhat * meanGXhat);
        mem.set(dxr + c, accumulate == 1 ? mem.get(dxr + c) + d : d);
      }
    }
  }

  // x, dy: [rows, cols], mean, rstd: [rows] -> dgamma (+)= sum_r dy·xhat, dbeta (+)= sum_r dy: [cols]
  // (which = 1: dgamma only, 2: dbeta only, 3: both)
  public static void layerNormBackwardParams(FloatArray mem, int xOff, int meanOff,
                                             int rstdOff, int dyOff,
                                             int dgOff, int dbOff,
                                             int rows, int cols, int which, int accumulate) {
    for (@Parallel int c = 0; c < cols; c++) {
      float sumDyXhat = 0f;
      float sumDy = 0f;
      for (int r = 0; r < rows; r++) {
        float d = mem.get(dyOff + r * cols + c);
        sumDyXhat += d * (mem.get(xOff + r * cols + c) - mem.get(meanOff + r)) * mem.get(rstdOff + r);
        sumDy += d;
      }
      if ((which & 1) != 0) mem.set(dgOff + c, accumulate == 1 ? mem.get(dgOff + c) + sumDyXhat : sumDyXhat);
      if ((which & 2) != 0) mem.set(dbOff + c, accumulate == 1 ? mem.get(dbOff + c) + sumDy : sumDy);
    }
  }
}
