package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.jlora.engine.kernels.LayerNormScalar;
import org.jlora.engine.kernels.LayerNormVector;
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
          LayerNormScalar.layerNormForward(rows, cols, x, pad, gamma, pad, beta, pad, 1e-5f, outs[0], pad,
              means[0], pad, rstds[0], pad);
        } else {
          LayerNormVector.layerNormForward(rows, cols, x, pad, gamma, pad, beta, pad, 1e-5f, outs[1], pad,
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
        LayerNormScalar.layerNormForward(rows, cols, x, pad, gamma, pad, null, 0, 1e-5f,
            new float[rows * cols], 0, mean, pad, rstd, pad);
        float[] dx0 = padded(rng, pad, rows * cols, 0f);
        float[] dg0 = padded(rng, pad, cols, 0f);
        float[] db0 = padded(rng, pad, cols, 0f);
        float[] dx1 = dx0.clone();
        float[] dg1 = dg0.clone();
        float[] db1 = db0.clone();
        LayerNormScalar.layerNormBackward(rows, cols, x, pad, gamma, pad, mean, pad, rstd, pad, dy, pad,
            dx0, pad, affine ? dg0 : null, pad, db0, pad, accumulate);
        LayerNormVector.layerNormBackward(rows, cols, x, pad, gamma, pad, mean, pad, rstd, pad, dy, pad,
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
  private static double loss(Backend be, int rows, int cols, float[] x, float[] gamma, float[] beta, float[] w) {
    float[] out = new float[rows * cols];
    be.layerNormForward(rows, cols, x, 0, gamma, 0, beta, 0, 1e-5f, out, 0, new float[rows], 0, new float[rows], 0);
    double l = 0;
    for (int i = 0; i < out.length; i++) l += (double) out[i] * w[i];
    return l;
  }

  /** Central difference of {@link #loss} in {@code p[i]}. */
  private static double numericGrad(Backend be, int rows, int cols, float[] x, float[] gamma, float[] beta,
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
    for (Backend be : new Backend[] {new ScalarBackend(), new VectorBackend()}) {
      Rng rng = new Rng(3);
      int rows = 3;
      for (int cols : new int[] {2, 7, VLEN + 5}) {
        float[] x = padded(rng, 0, rows * cols, 0f);
        float[] gamma = padded(rng, 0, cols, 1f);
        float[] beta = padded(rng, 0, cols, 0f);
        float[] w = padded(rng, 0, rows * cols, 0f);
        float[] mean = new float[rows];
        float[] rstd = new float[rows];
        be.layerNormForward(rows, cols, x, 0, gamma, 0, beta, 0, 1e-5f, new float[rows * cols], 0, mean, 0, rstd, 0);
        float[] dx = new float[rows * cols];
        float[] dgamma = new float[cols];
        float[] dbeta = new float[cols];
        be.layerNormBackward(rows, cols, x, 0, gamma, 0, mean, 0, rstd, 0, w, 0, dx, 0, dgamma, 0, dbeta, 0, false);
        String at = be.name() + " cols " + cols;
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
    LayerNormScalar.layerNormForward(rows, cols, x, 0, null, 0, null, 0, 1e-5f, out[0], 0, new float[rows], 0, rstd[0], 0);
    LayerNormVector.layerNormForward(rows, cols, x, 0, null, 0, null, 0, 1e-5f, out[1], 0, new float[rows], 0, rstd[1], 0);
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
        LayerNormVector.layerNormForward(rows, cols, x, 0, gamma, 0, beta, 0, 1e-5f, out, 0, mean, 0, rstd, 0);
        LayerNormVector.layerNormBackward(rows, cols, x, 0, gamma, 0, mean, 0, rstd, 0, dy, 0, dx, 0,
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
    for (Backend be : new Backend[] {new ScalarBackend(), new VectorBackend()}) {
      for (float bad : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
        int rows = 3;
        int cols = VLEN + 3;
        float[] x = padded(new Rng(6), 0, rows * cols, 0f);
        x[cols + 2] = bad;  // row 1
        float[] out = new float[rows * cols];
        be.layerNormForward(rows, cols, x, 0, null, 0, null, 0, 1e-5f, out, 0, new float[rows], 0, new float[rows], 0);
        for (int c = 0; c < cols; c++) {
          assertTrue(Float.isFinite(out[c]), be.name() + ": row 0 stays finite");
          assertTrue(Float.isNaN(out[cols + c]), be.name() + ": row 1 with " + bad + " becomes NaN");
          assertTrue(Float.isFinite(out[2 * cols + c]), be.name() + ": row 2 stays finite");
        }
      }
    }
  }

  @Test
  void facadeNormalisesTheLastAxisAndMatchesTheKernel() {
    Tensor x = Tensor.randn(new Rng(7), 2, 3, 5);
    Tensor gamma = Tensor.full(2f, 5);
    Tensor beta = Tensor.full(1f, 5);
    LayerNorm.Result r = LayerNorm.forward(x, gamma, beta, 1e-5f);
    assertArrayEquals(new int[] {2, 3, 5}, r.out().shape());
    assertArrayEquals(new int[] {6}, r.mean().shape());
    for (int row = 0; row < 6; row++) {
      double m = 0;
      double v = 0;
      for (int c = 0; c < 5; c++) m += (r.out().get(row * 5 + c) - 1) / 2;
      for (int c = 0; c < 5; c++) v += Math.pow((r.out().get(row * 5 + c) - 1) / 2 - m / 5, 2);
      assertEquals(0, m / 5, 1e-5, "normalised row has mean 0");
      assertEquals(1, v / 5, 1e-3, "normalised row has (biased) variance 1");
    }
    Tensor dy = Tensor.randn(new Rng(8), 2, 3, 5);
    LayerNorm.Gradients g = LayerNorm.backward(dy, x, gamma, beta, r);
    assertArrayEquals(new int[] {5}, g.dgamma().shape());
    float dbeta0 = 0;
    for (int row = 0; row < 6; row++) dbeta0 += dy.get(row * 5);
    assertEquals(dbeta0, g.dbeta().get(0), 1e-5, "dbeta is the column sum of dy");
    assertNull(LayerNorm.backward(dy, x, null, null, LayerNorm.forward(x, null, null, 1e-5f)).dgamma());
    // accumulate adds onto what is there
    Tensor dx = g.dx().copy();
    LayerNorm.backwardInto(dy, x, gamma, r.mean(), r.rstd(), dx, null, null, true);
    assertEquals(2 * g.dx().get(4), dx.get(4), 1e-6);
  }

  @Test
  void facadeRejectsMismatchedShapesNamingThem() {
    Tensor x = Tensor.zeros(4, 6);
    ShapeException e = assertThrows(ShapeException.class, () -> LayerNorm.forward(x, Tensor.ones(5), null, 1e-5f));
    assertTrue(e.getMessage().contains("layerNorm") && e.getMessage().contains("[5]")
        && e.getMessage().contains("[4, 6]"), e.getMessage());
    LayerNorm.Result r = LayerNorm.forward(x, null, null, 1e-5f);
    e = assertThrows(ShapeException.class, () -> LayerNorm.backward(Tensor.zeros(6, 4), x, null, null, r));
    assertTrue(e.getMessage().contains("[6, 4]") && e.getMessage().contains("[4, 6]"), e.getMessage());
    assertThrows(ShapeException.class, () -> LayerNorm.forward(Tensor.zeros(3, 0), null, null, 1e-5f));
  }
}
