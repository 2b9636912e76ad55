package org.jlora.engine;

import static org.jlora.engine.HostKernels.*;
import static org.jlora.engine.ElementwiseKernelsTest.LENGTHS;
import static org.jlora.engine.ElementwiseKernelsTest.VLEN;
import static org.jlora.engine.ElementwiseKernelsTest.assertClose;
import static org.jlora.engine.ElementwiseKernelsTest.gaussian;
import static org.jlora.engine.ElementwiseKernelsTest.pad;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The reduction kernels: vector against the scalar reference, special values, thread independence. */
class ReductionsKernelsTest {
  static final int OFF = 3;

  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  @Test
  void sumAndMaxMatchScalar() {
    Rng rng = new Rng(1);
    for (int n : LENGTHS) {
      float[] x = pad(gaussian(rng, n, 1f), OFF);
      double expected = REDUCE_SCALAR.sum(n, x, OFF);
      double actual = REDUCE_VECTOR.sum(n, x, OFF);
      // float lanes over a block of at most 4096: relative error ~1e-6 of the sum of magnitudes
      assertEquals(expected, actual, 1e-6 * n, "sum n=" + n);
      assertEquals(REDUCE_SCALAR.max(n, x, OFF), REDUCE_VECTOR.max(n, x, OFF), "max n=" + n);
    }
    assertEquals(0.0, REDUCE_VECTOR.sum(0, new float[1], 0));
    assertEquals(Float.NEGATIVE_INFINITY, REDUCE_VECTOR.max(0, new float[1], 0));
    assertEquals(Float.NEGATIVE_INFINITY, REDUCE_SCALAR.max(0, new float[1], 0));
  }

  @Test
  void maxIsNaNWhenAnyElementIsNaNWhereverItSits() {
    for (int n : new int[] {1, VLEN, 3 * VLEN + 3, 10_000}) {
      for (int at : new int[] {0, n / 2, n - 1}) {
        float[] x = gaussian(new Rng(n + at), n, 1f);
        x[at] = Float.NaN;
        assertTrue(Float.isNaN(REDUCE_VECTOR.max(n, x, 0)), "vector n=" + n + " NaN at " + at);
        assertTrue(Float.isNaN(REDUCE_SCALAR.max(n, x, 0)), "scalar n=" + n + " NaN at " + at);
      }
    }
    float[] withInf = {1, Float.POSITIVE_INFINITY, 2};
    assertEquals(Float.POSITIVE_INFINITY, REDUCE_VECTOR.max(3, withInf, 0));
    assertEquals(Double.POSITIVE_INFINITY, REDUCE_VECTOR.sum(3, withInf, 0));
  }

  @Test
  void rowAndColumnReductionsMatchScalar() {
    Rng rng = new Rng(2);
    int[][] shapes = {{1, 1}, {3, VLEN - 1}, {5, VLEN}, {2, 4 * VLEN + 3}, {7, 3 * VLEN + 1}, {129, 257}, {600, 96}};
    for (int[] s : shapes) {
      int rows = s[0], cols = s[1];
      float[] x = pad(gaussian(rng, rows * cols, 1f), OFF);
      float[] e = new float[rows + 1], a = new float[rows + 1];
      REDUCE_SCALAR.sumRows(rows, cols, x, OFF, e, 1);
      REDUCE_VECTOR.sumRows(rows, cols, x, OFF, a, 1);
      assertClose("sumRows " + rows + "x" + cols, e, a, 2e-6f * cols, 1e-6f);
      REDUCE_SCALAR.maxRows(rows, cols, x, OFF, e, 1);
      REDUCE_VECTOR.maxRows(rows, cols, x, OFF, a, 1);
      assertArrayEquals(e, a, "maxRows " + rows + "x" + cols);
      for (boolean accumulate : new boolean[] {false, true}) {
        float[] ec = pad(gaussian(new Rng(cols), cols, 1f), 2);
        float[] ac = ec.clone();
        REDUCE_SCALAR.sumColumns(rows, cols, x, OFF, ec, 2, accumulate);
        REDUCE_VECTOR.sumColumns(rows, cols, x, OFF, ac, 2, accumulate);
        // both add each column's rows in order in float: the same bits
        assertArrayEquals(ec, ac, "sumColumns " + rows + "x" + cols + " acc=" + accumulate);
      }
    }
  }

  @Test
  void sumColumnsIsTheBroadcastBackward() {
    float[] x = {1, 2, 3, 10, 20, 30};   // [2, 3]
    float[] out = {100, 100, 100};
    REDUCE_SCALAR.sumColumns(2, 3, x, 0, out, 0, true);
    assertArrayEquals(new float[] {111, 122, 133}, out);
    REDUCE_VECTOR.sumColumns(2, 3, x, 0, out, 0, false);
    assertArrayEquals(new float[] {11, 22, 33}, out);
  }

  @Test
  void sumIsTheSameDoubleForOneAndTwoThreadsAndOnEveryCall() {
    int n = 1_000_003;
    float[] x = gaussian(new Rng(3), n, 1f);
    Parallel.setThreads(1);
    double one = REDUCE_VECTOR.sum(n, x, 0);
    float maxOne = REDUCE_VECTOR.max(n, x, 0);
    float[] colsOne = new float[1000];
    REDUCE_VECTOR.sumColumns(1000, 1000, x, 0, colsOne, 0, false);
    float[] rowsOne = new float[1000];
    REDUCE_VECTOR.sumRows(1000, 1000, x, 0, rowsOne, 0);
    Parallel.setThreads(2);
    for (int k = 0; k < 20; k++) assertEquals(one, REDUCE_VECTOR.sum(n, x, 0), "call " + k);
    assertEquals(maxOne, REDUCE_VECTOR.max(n, x, 0));
    float[] cols = new float[1000];
    REDUCE_VECTOR.sumColumns(1000, 1000, x, 0, cols, 0, false);
    assertArrayEquals(colsOne, cols);
    float[] rows = new float[1000];
    REDUCE_VECTOR.sumRows(1000, 1000, x, 0, rows, 0);
    assertArrayEquals(rowsOne, rows);
    assertEquals(REDUCE_SCALAR.sum(n, x, 0), one, 1e-3);
  }
}
