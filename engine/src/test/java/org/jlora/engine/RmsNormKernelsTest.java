package org.jlora.engine;

import static org.jlora.engine.ElementwiseKernelsTest.VLEN;
import static org.jlora.engine.KernelFixtures.SCALAR;
import static org.jlora.engine.KernelFixtures.VECTOR;
import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.assertWindowOnly;
import static org.jlora.engine.KernelFixtures.randn;
import static org.jlora.engine.KernelFixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** RMSNorm kernels: vector = scalar bit for bit on every row length, unit RMS, gradients against finite differences. */
class RmsNormKernelsTest {
  static final float EPS = 1e-5f;

  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void vectorMatchesScalarBitForBit() {
    for (int rows : new int[] {1, 3, 37}) {
      for (int cols = 1; cols <= 3 * VLEN + 3; cols++) check(rows, cols);
    }
    check(5, 1000);
    check(300, 2 * 1024 + 1);   // large enough to go parallel
  }

  private static void check(int rows, int cols) {
    String at = rows + "x" + cols;
    Rng rng = new Rng(rows * 7919 + cols);
    Tensor x = randn(rng, 2f, 3, rows, cols), w = randn(rng, 1f, 1, cols), dy = randn(rng, 1f, 2, rows, cols);
    Tensor ys = zeros(1, rows, cols), yv = zeros(2, rows, cols), rs = zeros(0, rows), rv = zeros(3, rows);
    SCALAR.rows().rmsNorm(x.rowCount(), x.lastDim(), x, w, EPS, ys, rs);
    VECTOR.rows().rmsNorm(x.rowCount(), x.lastDim(), x, w, EPS, yv, rv);
    assertSameBits("y " + at, ys, yv);
    assertSameBits("rstd " + at, rs, rv);
    Tensor dxs = zeros(1, rows, cols), dxv = zeros(2, rows, cols), dws = zeros(1, cols), dwv = zeros(2, cols);
    SCALAR.rows().rmsNormBackward(x.rowCount(), x.lastDim(), x, w, rs, dy, dxs, dws);
    VECTOR.rows().rmsNormBackward(x.rowCount(), x.lastDim(), x, w, rv, dy, dxv, dwv);
    assertSameBits("dx " + at, dxs, dxv);
    assertSameBits("dweight " + at, dws, dwv);
    for (Tensor t : new Tensor[] {yv, rv, dxv, dwv}) assertWindowOnly(at, t);
  }

  @Test
  void withUnitWeightEveryRowHasUnitRms() {
    int rows = 4, cols = 2 * VLEN + 5;
    Tensor x = randn(new Rng(1), 30f, 0, rows, cols), y = Tensor.zeros(rows, cols), r = Tensor.zeros(rows);
    VECTOR.rows().rmsNorm(x.rowCount(), x.lastDim(), x, Tensor.ones(cols), 0f, y, r);
    for (int i = 0; i < rows; i++) {
      double ss = 0;
      for (int c = 0; c < cols; c++) ss += (double) y.at(i, c) * y.at(i, c);
      assertEquals(1.0, ss / cols, 1e-5, "row " + i);
    }
  }

  /** dL/dx and dL/dw for L = sum(y ∘ g) against central differences. */
  @Test
  void gradientsMatchFiniteDifferences() {
    int rows = 3, cols = VLEN + 3;
    Rng rng = new Rng(2);
    Tensor x = randn(rng, 1f, 0, rows, cols), w = randn(rng, 1f, 0, cols), g = randn(rng, 1f, 0, rows, cols);
    Tensor y = Tensor.zeros(rows, cols), r = Tensor.zeros(rows);
    VECTOR.rows().rmsNorm(x.rowCount(), x.lastDim(), x, w, EPS, y, r);
    Tensor dx = Tensor.zeros(rows, cols), dw = Tensor.zeros(cols);
    VECTOR.rows().rmsNormBackward(x.rowCount(), x.lastDim(), x, w, r, g, dx, dw);
    for (int i : new int[] {0, cols + 1, rows * cols - 1}) {
      assertEquals(numeric(x, i, x, w, g), dx.get(i), 2e-3, "dx at " + i);
    }
    for (int c : new int[] {0, cols / 2, cols - 1}) {
      assertEquals(numeric(w, c, x, w, g), dw.get(c), 2e-3, "dw at " + c);
    }
    // a frozen weight: no dweight, the same dx
    Tensor dxOnly = Tensor.zeros(rows, cols);
    VECTOR.rows().rmsNormBackward(x.rowCount(), x.lastDim(), x, w, r, g, dxOnly, null);
    assertSameBits("dx without dweight", dx, dxOnly);
  }

  private static double numeric(Tensor wrt, int i, Tensor x, Tensor w, Tensor g) {
    float h = 1e-2f, v = wrt.get(i);
    wrt.set(i, v + h);
    double plus = loss(x, w, g);
    wrt.set(i, v - h);
    double minus = loss(x, w, g);
    wrt.set(i, v);
    return (plus - minus) / (2 * h);
  }

  private static double loss(Tensor x, Tensor w, Tensor g) {
    Tensor y = Tensor.zeros(x.shape());
    SCALAR.rows().rmsNorm(x.rowCount(), x.lastDim(), x, w, EPS, y, Tensor.zeros(x.rowCount()));
    return RopeKernelsTest.dot(y, g);
  }

  @Test
  void weightGradientDoesNotDependOnTheThreadCount() {
    int rows = 300, cols = 4 * VLEN + 3;
    Rng rng = new Rng(3);
    Tensor x = randn(rng, 1f, 0, rows, cols), w = randn(rng, 1f, 0, cols), g = randn(rng, 1f, 0, rows, cols);
    Tensor r = Tensor.zeros(rows);
    VECTOR.rows().rmsNorm(x.rowCount(), x.lastDim(), x, w, EPS, Tensor.zeros(rows, cols), r);
    Tensor one = Tensor.zeros(cols), many = Tensor.zeros(cols);
    Parallel.setThreads(1);
    VECTOR.rows().rmsNormBackward(x.rowCount(), x.lastDim(), x, w, r, g, Tensor.zeros(rows, cols), one);
    Parallel.setThreads(Math.max(4, Runtime.getRuntime().availableProcessors()));
    VECTOR.rows().rmsNormBackward(x.rowCount(), x.lastDim(), x, w, r, g, Tensor.zeros(rows, cols), many);
    assertSameBits("dweight", one, many);
  }

  @Test
  void refusesAWeightOfAnotherWidth() {
    assertThrows(ShapeException.class, () -> VECTOR.rows().rmsNorm(2, 4, Tensor.zeros(2, 4), Tensor.zeros(5), EPS,
        Tensor.zeros(2, 4), Tensor.zeros(2)));
  }
}
