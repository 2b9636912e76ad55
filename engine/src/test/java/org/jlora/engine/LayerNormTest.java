package org.jlora.engine;

import static org.jlora.engine.HostKernels.*;
import org.jlora.engine.kernels.RowsOnHost;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class LayerNormTest {
  private static final int VLEN = FloatVector.SPECIES_PREFERRED.length();
  private static final float SENTINEL = -777f;

  /** Random values in an array of {@code pad + n + pad} floats, padding set to SENTINEL. */
  private static float[] padded(Rng rng, int pad, int n, float offset) {
    float[] a = new float[pad + n + pad];
    Arrays.fill(a, SENTINEL);
    for (int i = 0; i < n; i++) a[pad + i] = offset + rng.nextGaussian();
    return a;
  }

  private static void assertClose(float[] want, float[] got, double atol, double rtol, String what) {
    assertEquals(want.length, got.length, what + ": lengths");
    for (int i = 0; i < want.length; i++) {
      double tol = atol + rtol * Math.abs(want[i]);
      if (!(Math.abs(want[i] - got[i]) <= tol) && !(Float.isNaN(want[i]) && Float.isNaN(got[i]))
          && Float.compare(want[i], got[i]) != 0) {
        fail(what + ": index " + i + " want " + want[i] + " got " + got[i] + " (tol " + tol + ")");
      }
    }
  }

  @Test
  void vectorForwardMatchesScalarOnEveryTailLength() {
    Rng rng = new Rng(1);
    for (int cols = 1; cols <= 3 * VLEN + 3; cols++) {
      int rows = 1 + rng.nextInt(5);
      int pad = cols % 4;  // offsets 0..3
      boolean affine = cols % 3 != 0;
      float offset = cols % 2 == 0 ? 0f : 5f;
      float[] x = padded(rng, pad, rows * cols, offset);
      float[] gamma = affine ? padded(rng, pad, cols, 1f) : null;
      float[] beta = affine ? padded(rng, pad, cols, 0f) : null;
      float[][] outs = new float[2][];
      float[][] means = new float[2][];
      float[][] rstds = new float[2][];
      for (int k = 0; k < 2; k++) {
        outs[k] = padded(rng, pad, rows * cols, 0f);
        means[k] = padded(rng, pad, rows, 0f);
        rstds[k] = padded(rng, pad, rows, 0f);
        if (k == 0) {
          ROWS_SCALAR.layerNorm(rows, cols, x, pad, gamma, pad, beta, pad, 1e-5f, outs[0], pad,
              means[0], pad, rstds[0], pad);
        } else {
          ROWS_VECTOR.layerNorm(rows, cols, x, pad, gamma, pad, beta, pad, 1e-5f, outs[1], pad,
              means[1], pad, rstds[1], pad);
        }
      }
      String at = "cols " + cols + " rows " + rows;
      assertClose(outs[0], outs[1], 2e-5, 2e-5, "out, " + at);
      assertClose(means[0], means[1], 1e-5, 1e-6, "mean, " + at);
      assertClose(rstds[0], rstds[1], 0, 1e-5, "rstd, " + at);
      if (pad > 0) {
        assertEquals(SENTINEL, outs[1][pad - 1], "nothing written before the window, " + at);
        assertEquals(SENTINEL, outs[1][pad + rows * cols], "nothing written after the window, " + at);
        assertEquals(SENTINEL, rstds[1][pad + rows], "nothing written after rstd, " + at);
      }
    }
  }

  @Test
  void vectorBackwardMatchesScalarOnEveryTailLength() {
    Rng rng = new Rng(2);
    for (int cols = 1; cols <= 3 * VLEN + 3; cols++) {
      for (boolean accumulate : new boolean[] {false, true}) {
        int rows = 1 + rng.nextInt(70);  // crosses the 32-row blocks of the vector kernel
        int pad = (cols + (accumulate ? 1 : 0)) % 4;
        boolean affine = cols % 3 != 1;
        float[] x = padded(rng, pad, rows * cols, 0f);
        float[] gamma = affine ? padded(rng, pad, cols, 1f) : null;
        float[] dy = padded(rng, pad, rows * cols, 0f);
        float[] mean = padded(rng, pad, rows, 0f);
        float[] rstd = padded(rng, pad, rows, 0f);
        ROWS_SCALAR.layerNorm(rows, cols, x, pad, gamma, pad, null, 0, 1e-5f,
            new float[rows * cols], 0, mean, pad, rstd, pad);
        float[] dx0 = padded(rng, pad, rows * cols, 0f);
        float[] dg0 = padded(rng, pad, cols, 0f);
        float[] db0 = padded(rng, pad, cols, 0f);
        float[] dx1 = dx0.clone();
        float[] dg1 = dg0.clone();
        float[] db1 = db0.clone();
        ROWS_SCALAR.layerNormBackward(rows, cols, x, pad, gamma, pad, mean, pad, rstd, pad, dy, pad,
            dx0, pad, affine ? dg0 : null, pad, db0, pad, accumulate);
        ROWS_VECTOR.layerNormBackward(rows, cols, x, pad, gamma, pad, mean, pad, rstd, pad, dy, pad,
            dx1, pad, affine ? dg1 : null, pad, db1, pad, accumulate);
        String at = "cols " + cols + " rows " + rows + " accumulate " + accumulate;
        assertClose(dx0, dx1, 5e-5, 5e-5, "dx, " + at);
        assertClose(dg0, dg1, 1e-4 * Math.sqrt(rows), 1e-5, "dgamma, " + at);
        assertClose(db0, db1, 1e-4 * Math.sqrt(rows), 1e-5, "dbeta, " + at);
        if (pad > 0) {
          assertEquals(SENTINEL, dx1[pad + rows * cols], "nothing written after dx, " + at);
          assertEquals(SENTINEL, db1[pad - 1], "nothing written before dbeta, " + at);
        }
      }
    }
  }

  /** {@code sum_i out_i · w_i} in double for the backend's forward: the loss whose gradient is checked. */
  private static double loss(RowsOnHost be, int rows, int cols, float[] x, float[] gamma, float[] beta, float[] w) {
    float[] out = new float[rows * cols];
    be.layerNorm(rows, cols, x, 0, gamma, 0, beta, 0, 1e-5f, out, 0, new float[rows], 0, new float[rows], 0);
    double l = 0;
    for (int i = 0; i < out.length; i++) l += (double) out[i] * w[i];
    return l;
  }

  /** Central difference of {@link #loss} in {@code p[i]}. */
  private static double numericGrad(RowsOnHost be, int rows, int cols, float[] x, float[] gamma, float[] beta,
                                    float[] w, float[] p, int i) {
    float h = 1e-2f;
    float saved = p[i];
    p[i] = saved + h;
    double up = loss(be, rows, cols, x, gamma, beta, w);
    p[i] = saved - h;
    double down = loss(be, rows, cols, x, gamma, beta, w);
    p[i] = saved;
    return (up - down) / (2.0 * h);
  }

  @Test
  void backwardMatchesFiniteDifferencesOfTheForward() {
    for (RowsOnHost be : new RowsOnHost[] {ROWS_SCALAR, ROWS_VECTOR}) {
      Rng rng = new Rng(3);
      int rows = 3;
      for (int cols : new int[] {2, 7, VLEN + 5}) {
        float[] x = padded(rng, 0, rows * cols, 0f);
        float[] gamma = padded(rng, 0, cols, 1f);
        float[] beta = padded(rng, 0, cols, 0f);
        float[] w = padded(rng, 0, rows * cols, 0f);
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        be.layerNorm(rows, cols, x, 0, gamma, 0, beta, 0, 1e-5f, new float[rows * cols], 0, mean, 0, rstd, 0);
        float[] dx = new float[rows * cols];
        float[] dgamma = new float[cols];
        float[] dbeta = new float[cols];
        be.layerNormBackward(rows, cols, x, 0, gamma, 0, mean, 0, rstd, 0, w, 0, dx, 0, dgamma, 0, dbeta, 0, false);
        String at = be.getClass().getSimpleName() + " cols " + cols;
        for (int i = 0; i < x.length; i++) {
          assertEquals(numericGrad(be, rows, cols, x, gamma, beta, w, x, i), dx[i], 2e-3, "dx[" + i + "] " + at);
        }
        for (int c = 0; c < cols; c++) {
          assertEquals(numericGrad(be, rows, cols, x, gamma, beta, w, gamma, c), dgamma[c], 2e-3, "dgamma " + at);
          assertEquals(numericGrad(be, rows, cols, x, gamma, beta, w, beta, c), dbeta[c], 2e-3, "dbeta " + at);
        }
      }
    }
  }

  @Test
  void largeCommonOffsetKeepsTheVariance() {
    Rng rng = new Rng(4);
    int rows = 4;
    int cols = 1000;
    float[] x = padded(rng, 0, rows * cols, 1e4f);
    float[][] out = new float[2][rows * cols];
    float[][] rstd = new float[2][rows];
    ROWS_SCALAR.layerNorm(rows, cols, x, 0, null, 0, null, 0, 1e-5f, out[0], 0, new float[rows], 0, rstd[0], 0);
    ROWS_VECTOR.layerNorm(rows, cols, x, 0, null, 0, null, 0, 1e-5f, out[1], 0, new float[rows], 0, rstd[1], 0);
    // x = 1e4 + N(0,1): float spacing near 1e4 is 1e-3, so xhat carries ~1e-3 of input rounding
    assertClose(rstd[0], rstd[1], 0, 1e-4, "rstd");
    assertClose(out[0], out[1], 1e-4, 1e-4, "out");
    for (float r : rstd[0]) assertEquals(1.0, r, 0.1, "rstd of unit-variance rows");
  }

  @Test
  void resultsAreBitwiseIdenticalForOneAndTwoThreads() {
    Rng rng = new Rng(5);
    int rows = 301;
    int cols = 2 * VLEN + 5;  // rows * cols well above Parallel.MIN_PARALLEL_WORK
    float[] x = padded(rng, 0, rows * cols, 0.5f);
    float[] gamma = padded(rng, 0, cols, 1f);
    float[] beta = padded(rng, 0, cols, 0f);
    float[] dy = padded(rng, 0, rows * cols, 0f);
    float[][] results = new float[2][];
    int before = Parallel.threads();
    try {
      for (int t = 1; t <= 2; t++) {
        Parallel.setThreads(t);
        float[] out = new float[rows * cols];
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        float[] dx = new float[rows * cols];
        float[] dgamma = new float[cols];
        float[] dbeta = new float[cols];
        ROWS_VECTOR.layerNorm(rows, cols, x, 0, gamma, 0, beta, 0, 1e-5f, out, 0, mean, 0, rstd, 0);
        ROWS_VECTOR.layerNormBackward(rows, cols, x, 0, gamma, 0, mean, 0, rstd, 0, dy, 0, dx, 0,
            dgamma, 0, dbeta, 0, false);
        float[] all = new float[out.length + 2 * rows + dx.length + 2 * cols];
        int p = 0;
        for (float[] part : new float[][] {out, mean, rstd, dx, dgamma, dbeta}) {
          System.arraycopy(part, 0, all, p, part.length);
          p += part.length;
        }
        results[t - 1] = all;
      }
    } finally {
      Parallel.setThreads(before);
    }
    assertArrayEquals(results[0], results[1]);
  }

  @Test
  void nanOrInfinityPoisonsOnlyItsRow() {
    for (RowsOnHost be : new RowsOnHost[] {ROWS_SCALAR, ROWS_VECTOR}) {
      for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
        int rows = 3;
        int cols = VLEN + 3;
        float[] x = padded(new Rng(6), 0, rows * cols, 0f);
        x[cols + 2] = bad;  // row 1
        float[] out = new float[rows * cols];
        be.layerNorm(rows, cols, x, 0, null, 0, null, 0, 1e-5f, out, 0, new float[rows], 0, new float[rows], 0);
        for (int c = 0; c < cols; c++) {
          assertTrue(Float.isFinite(out[c]), be.getClass().getSimpleName() + ": row 0 stays finite");
          assertTrue(Float.isNaN(out[cols + c]), be.getClass().getSimpleName() + ": row 1 with " + bad + " becomes NaN");
          assertTrue(Float.isFinite(out[2 * cols + c]), be.getClass().getSimpleName() + ": row 2 stays finite");
        }
      }
    }
  }
}
