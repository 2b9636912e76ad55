package org.jlora.engine;

import static org.jlora.engine.HostKernels.*;
import static org.jlora.engine.ElementwiseKernelsTest.VLEN;
import static org.jlora.engine.ElementwiseKernelsTest.assertClose;
import static org.jlora.engine.ElementwiseKernelsTest.gaussian;
import static org.jlora.engine.ElementwiseKernelsTest.pad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Softmax kernels: vector against scalar, rows summing to 1, masks, large inputs, gradients. */
class SoftmaxKernelsTest {
  static final int OFF = 3;
  /** Vector exp is within 2 ulps of Math.exp, the sums differ in order: a few ulps of 1. */
  static final float ABS = 2e-7f, REL = 1e-6f;

  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void vectorMatchesScalarForEveryRowLength() {
    Rng rng = new Rng(1);
    for (int cols = 1; cols <= 3 * VLEN + 3; cols++) check(3, cols, rng);
    check(64, 1000, rng);
    check(17, 5003, rng);
  }

  static void check(int rows, int cols, Rng rng) {
    int n = rows * cols;
    float[] x = pad(gaussian(rng, n, 4f), OFF);
    String at = rows + "x" + cols;
    float[] e = new float[n + 1], a = new float[n + 1];
    ROWS_SCALAR.softmax(rows, cols, x, OFF, e, 1);
    ROWS_VECTOR.softmax(rows, cols, x, OFF, a, 1);
    assertClose("softmax " + at, e, a, ABS, REL);
    float[] y = e.clone();
    float[] el = new float[n + 1], al = new float[n + 1];
    ROWS_SCALAR.logSoftmax(rows, cols, x, OFF, el, 1);
    ROWS_VECTOR.logSoftmax(rows, cols, x, OFF, al, 1);
    assertClose("logSoftmax " + at, el, al, 1e-6f, REL);
    float[] dy = pad(gaussian(rng, n, 1f), 1);
    for (boolean accumulate : new boolean[] {false, true}) {
      float[] ed = pad(gaussian(new Rng(cols), n, 1f), 2), ad = ed.clone();
      ROWS_SCALAR.softmaxBackward(rows, cols, y, 1, dy, 1, ed, 2, accumulate);
      ROWS_VECTOR.softmaxBackward(rows, cols, y, 1, dy, 1, ad, 2, accumulate);
      assertClose("softmax backward " + at, ed, ad, 1e-6f, 1e-5f);
      ed = pad(gaussian(new Rng(cols), n, 1f), 2);
      ad = ed.clone();
      ROWS_SCALAR.logSoftmaxBackward(rows, cols, el, 1, dy, 1, ed, 2, accumulate);
      ROWS_VECTOR.logSoftmaxBackward(rows, cols, el, 1, dy, 1, ad, 2, accumulate);
      assertClose("logSoftmax backward " + at, ed, ad, 1e-5f, 1e-5f);
    }
  }

  @Test
  void rowsSumToOneAndLargeInputsStayFinite() {
    int rows = 4, cols = 3 * VLEN + 5;
    float[] x = gaussian(new Rng(2), rows * cols, 1e4f);   // exp(1e4) would overflow unshifted
    float[] y = new float[x.length], logY = new float[x.length];
    ROWS_VECTOR.softmax(rows, cols, x, 0, y, 0);
    ROWS_VECTOR.logSoftmax(rows, cols, x, 0, logY, 0);
    for (int r = 0; r < rows; r++) {
      double s = 0;
      for (int c = 0; c < cols; c++) {
        float v = y[r * cols + c];
        assertTrue(v >= 0 && v <= 1, "softmax in [0, 1]: " + v);
        assertTrue(Float.isFinite(logY[r * cols + c]), "log-softmax finite");
        s += v;
      }
      assertEquals(1.0, s, 1e-5, "row " + r + " sums to 1");
    }
  }

  @Test
  void maskedEntriesGetZeroAndAFullyMaskedRowIsNaN() {
    float inf = Float.NEGATIVE_INFINITY;
    int cols = VLEN + 2;
    float[] x = new float[2 * cols];
    for (int c = 0; c < cols; c++) {
      x[c] = c <= 1 ? 0f : inf;        // row 0: a causal row, two visible entries
      x[cols + c] = inf;               // row 1: everything masked
    }
    for (boolean vector : new boolean[] {false, true}) {
      float[] y = new float[x.length], logY = new float[x.length];
      if (vector) {
        ROWS_VECTOR.softmax(2, cols, x, 0, y, 0);
        ROWS_VECTOR.logSoftmax(2, cols, x, 0, logY, 0);
      } else {
        ROWS_SCALAR.softmax(2, cols, x, 0, y, 0);
        ROWS_SCALAR.logSoftmax(2, cols, x, 0, logY, 0);
      }
      assertEquals(0.5f, y[0]);
      assertEquals(0.5f, y[1]);
      assertEquals((float) -Math.log(2), logY[0], 1e-7f);
      for (int c = 2; c < cols; c++) {
        assertEquals(0f, y[c], "masked entry " + c);
        assertEquals(inf, logY[c], "masked log entry " + c);
      }
      for (int c = 0; c < cols; c++) {
        assertTrue(Float.isNaN(y[cols + c]) && Float.isNaN(logY[cols + c]), "fully masked row is NaN (as PyTorch)");
      }
    }
  }

  /** The backward rules against central differences of the forward, on a loss L = sum(w · out). */
  @Test
  void backwardRulesMatchFiniteDifferences() {
    int cols = 7;
    float[] x = gaussian(new Rng(4), cols, 1f);
    float[] w = gaussian(new Rng(5), cols, 1f);
    for (boolean log : new boolean[] {false, true}) {
      float[] y = new float[cols];
      forward(log, x, y);
      float[] dx = new float[cols];
      if (log) ROWS_VECTOR.logSoftmaxBackward(1, cols, y, 0, w, 0, dx, 0, false);
      else ROWS_VECTOR.softmaxBackward(1, cols, y, 0, w, 0, dx, 0, false);
      for (int i = 0; i < cols; i++) {
        float h = 1e-2f;
        float[] xp = x.clone(), xm = x.clone();
        xp[i] += h;
        xm[i] -= h;
        double fd = (loss(log, xp, w) - loss(log, xm, w)) / (xp[i] - xm[i]);
        assertEquals(fd, dx[i], 2e-3, (log ? "log-softmax" : "softmax") + " d/dx" + i);
      }
    }
  }

  static void forward(boolean log, float[] x, float[] y) {
    if (log) ROWS_SCALAR.logSoftmax(1, x.length, x, 0, y, 0);
    else ROWS_SCALAR.softmax(1, x.length, x, 0, y, 0);
  }

  static double loss(boolean log, float[] x, float[] w) {
    float[] y = new float[x.length];
    forward(log, x, y);
    double s = 0;
    for (int i = 0; i < x.length; i++) s += (double) w[i] * y[i];
    return s;
  }

  @Test
  void sameBitsForOneAndTwoThreads() {
    int rows = 300, cols = 1003;
    float[] x = gaussian(new Rng(6), rows * cols, 3f);
    float[] dy = gaussian(new Rng(7), rows * cols, 1f);
    float[][] one = run(1, rows, cols, x, dy), two = run(2, rows, cols, x, dy);
    for (int k = 0; k < one.length; k++) assertArrayEquals(one[k], two[k], "kernel #" + k);
  }

  static float[][] run(int threads, int rows, int cols, float[] x, float[] dy) {
    Parallel.setThreads(threads);
    int n = rows * cols;
    float[] y = new float[n], ly = new float[n], dx = new float[n], ldx = new float[n];
    ROWS_VECTOR.softmax(rows, cols, x, 0, y, 0);
    ROWS_VECTOR.logSoftmax(rows, cols, x, 0, ly, 0);
    ROWS_VECTOR.softmaxBackward(rows, cols, y, 0, dy, 0, dx, 0, false);
    ROWS_VECTOR.logSoftmaxBackward(rows, cols, ly, 0, dy, 0, ldx, 0, false);
    return new float[][] {y, ly, dx, ldx};
  }
}
