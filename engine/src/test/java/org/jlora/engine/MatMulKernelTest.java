package org.jlora.engine;

import static org.jlora.engine.HostKernels.*;
import org.jlora.engine.kernels.MatmulOnHost;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The matmul kernels against a double-precision triple loop and against each other: every size
 * around the vector length and the 6 x 3-vector tile, all transposes, batches, shared B,
 * accumulation, offsets, non-finite values and thread-count independence.
 */
class MatMulKernelTest {
  private static final int VLEN = FloatVector.SPECIES_PREFERRED.length();
  /** Sweeps cover 1 .. 3 vectors + 3: empty, partial and full vectors and tiles, and the thin paths. */
  private static final int MAX_SWEEP = 3 * VLEN + 3;
  private static final double U = Math.ulp(1.0f) / 2; // unit roundoff of float, 2^-24

  private final int savedThreads = Parallel.threads();

  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(savedThreads);
  }

  /** One problem: operands in arrays with leading padding (offsets != 0) and its settings. */
  private record Case(int batch, int m, int n, int k, boolean transA, boolean transB, boolean shareB,
                      boolean accumulate, int aOff, int bOff, int cOff, float[] a, float[] b, float[] c0) {
    static Case random(Rng rng, int batch, int m, int n, int k, boolean transA, boolean transB,
                       boolean shareB, boolean accumulate) {
      int aOff = rng.nextInt(5), bOff = rng.nextInt(5), cOff = rng.nextInt(5);
      float[] a = fill(rng, aOff + batch * m * k);
      float[] b = fill(rng, bOff + (shareB ? 1 : batch) * k * n);
      float[] c0 = fill(rng, cOff + batch * m * n); // garbage that accumulate=false must overwrite
      return new Case(batch, m, n, k, transA, transB, shareB, accumulate, aOff, bOff, cOff, a, b, c0);
    }

    float[] run(MatmulOnHost backend) {
      float[] c = c0.clone();
      backend.matmul(batch, m, n, k, a, aOff, transA, b, bOff, transB, shareB, c, cOff, accumulate);
      return c;
    }

    double aAt(int bat, int i, int p) {
      return a[aOff + bat * m * k + (transA ? p * m + i : i * k + p)];
    }

    double bAt(int bat, int p, int j) {
      int base = bOff + (shareB ? 0 : bat * k * n);
      return b[base + (transB ? j * k + p : p * n + j)];
    }

    /**
     * Checks c against the product in double. The bound is Higham's for a length-k float sum
     * in any order (with or without FMA): |err| <= gamma_{k+1} (|c0| + sum_p |a_ip b_pj|), with
     * gamma_j = j·u / (1 - j·u), u = 2^-24; the double reference itself is exact to ~1e-16.
     */
    void assertClose(float[] c, String who) {
      double gamma = (k + 1) * U / (1 - (k + 1) * U);
      for (int bat = 0; bat < batch; bat++) {
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            int ci = cOff + bat * m * n + i * n + j;
            double sum = accumulate ? c0[ci] : 0, abs = accumulate ? Math.abs(c0[ci]) : 0;
            for (int p = 0; p < k; p++) {
              double t = aAt(bat, i, p) * bAt(bat, p, j);
              sum += t;
              abs += Math.abs(t);
            }
            double err = Math.abs(c[ci] - sum);
            if (!(err <= gamma * abs)) {
              fail(who + " " + this.describe() + ": C[" + bat + "][" + i + "][" + j + "] = " + c[ci]
                  + ", expected " + sum + " (error " + err + " > bound " + gamma * abs + ")");
            }
          }
        }
      }
      // nothing outside C's window is touched
      for (int i = 0; i < cOff; i++) assertEquals(c0[i], c[i], who + " wrote before C's offset");
    }

    String describe() {
      return "batch=" + batch + " m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB="
          + transB + " shareB=" + shareB + " accumulate=" + accumulate;
    }
  }

  private static float[] fill(Rng rng, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) x[i] = rng.nextFloat() * 2f - 1f;
    return x;
  }

  private static final MatmulOnHost SCALAR = MATMUL_SCALAR;
  private static final MatmulOnHost VECTOR = MATMUL_VECTOR;

  private static void checkBoth(Case cs) {
    cs.assertClose(cs.run(VECTOR), "vector");
    cs.assertClose(cs.run(SCALAR), "scalar");
  }

  @Test
  void sweepsEachDimensionThroughEveryTransposeCombination() {
    Rng rng = new Rng(1);
    for (int dim = 0; dim < 3; dim++) {
      for (int size = 1; size <= MAX_SWEEP; size++) {
        for (int t = 0; t < 4; t++) {
          int m = dim == 0 ? size : 1 + rng.nextInt(MAX_SWEEP);
          int n = dim == 1 ? size : 1 + rng.nextInt(MAX_SWEEP);
          int k = dim == 2 ? size : 1 + rng.nextInt(MAX_SWEEP);
          checkBoth(Case.random(rng, 1, m, n, k, (t & 1) != 0, (t & 2) != 0, false, rng.nextInt(2) == 0));
        }
      }
    }
  }

  @Test
  void batchesSharedWeightsAndAccumulation() {
    Rng rng = new Rng(2);
    for (int trial = 0; trial < 60; trial++) {
      int batch = 2 + rng.nextInt(4);
      int m = 1 + rng.nextInt(40), n = 1 + rng.nextInt(60), k = 1 + rng.nextInt(60);
      checkBoth(Case.random(rng, batch, m, n, k, rng.nextInt(2) == 0, rng.nextInt(2) == 0,
          rng.nextInt(2) == 0, rng.nextInt(2) == 0));
    }
  }

  @Test
  void largerShapesCrossCacheBlocksAndUseBothThreads() {
    Rng rng = new Rng(3);
    Parallel.setThreads(2);
    // k > 128 spans several K-blocks, m > 192 several row blocks; thin and blocked paths both
    int[][] shapes = {{200, 150, 300}, {13, 400, 260}, {300, 8, 500}, {257, 100, 8}, {500, 16, 17}, {70, 13, 200},
        {300, 32, 200}, {301, 27, 150}};
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        Case cs = Case.random(rng, 1, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, false, t == 3);
        cs.assertClose(cs.run(VECTOR), "vector");
      }
    }
    cs2(rng);
  }

  private static void cs2(Rng rng) {
    // a batch that folds into one tall matmul (shared B, plain A) and one that does not
    checkBoth(Case.random(rng, 3, 70, 50, 90, false, true, true, false));
    checkBoth(Case.random(rng, 3, 70, 50, 90, true, false, true, true));
  }

  @Test
  void theBlockedPathIsOneFmaChainPerElementWhateverTheTileWidth() {
    // each element of C is c = fma(A[i, p], B[p, j], c) for p = 0 .. k-1 in order, from 0 or from C,
    // across K-blocks too: checked bit for bit on shapes whose last column panel is one or two
    // vectors (the narrow tiles, in place and through the scratch tile) or a ragged part of one
    Rng rng = new Rng(12);
    int v = FloatVector.SPECIES_PREFERRED.length();
    // {m, n, k}: n = 21 panels of 3 vectors + 1 vector, + 2 vectors, + a ragged piece; m past a whole tile or not
    for (int[] s : new int[][] {{12, 21 * 3 * v + v, 300}, {14, 21 * 3 * v + 2 * v, 140}, {13, 2 * 3 * v + v + 3, 70}}) {
      int m = s[0];
      int n = s[1];
      int k = s[2];
      for (boolean accumulate : new boolean[] {false, true}) {
        float[] a = Tensor.randn(rng, m, k).toArray();
        float[] b = Tensor.randn(rng, k, n).toArray();
        float[] start = Tensor.randn(rng, m, n).toArray();
        float[] c = start.clone();
        VECTOR.matmul(1, m, n, k, a, 0, false, b, 0, false, false, c, 0, accumulate);
        for (int i = 0; i < m; i++) {
          for (int j = 0; j < n; j++) {
            float chain = accumulate ? start[i * n + j] : 0f;
            for (int p = 0; p < k; p++) chain = Math.fma(a[i * k + p], b[p * n + j], chain);
            assertEquals(chain, c[i * n + j], 0f, "C[" + i + ", " + j + "] of " + m + "x" + n + "x" + k);
          }
        }
      }
    }
  }

  @Test
  void oneRowTimesAStoredMatrixSumsSlabsOfRowsInAFixedOrder() {
    // m = 1, B stored [k, n]: the row-vector path (generation through a Conv1D) cuts B into slabs
    // of 128 rows, chains each slab's FMAs from 0 (slab 0 from c), then adds the slabs to c in
    // order; this checks those exact bits against that order written out in scalar code, on 1, 2
    // and 3 threads, and, for k <= 128 (one slab), against the blocked kernel's bits
    Rng rng = new Rng(7);
    int slab = 128;
    // {n, k}: n past the 4096-column block is two column blocks; k from one slab to several with a short last one
    for (int[] s : new int[][] {{3000, 300}, {2309, 77}, {70, 40}, {65, 130}, {4200, 35}, {768, 768}, {100, 128},
        {33, 257}}) {
      int n = s[0];
      int k = s[1];
      for (boolean accumulate : new boolean[] {false, true}) {
        float[] a = Tensor.randn(rng, 2, k).toArray();
        float[] b = Tensor.randn(rng, k, n).toArray();
        float[] start = Tensor.randn(rng, 2, n).toArray();
        float[] expected = new float[n];
        for (int j = 0; j < n; j++) {
          float sum = 0f;
          for (int p0 = 0; p0 < k; p0 += slab) {
            float part = p0 == 0 && accumulate ? start[j] : 0f;
            for (int p = p0; p < Math.min(k, p0 + slab); p++) part = Math.fma(a[p], b[p * n + j], part);
            sum = p0 == 0 ? part : sum + part;
          }
          expected[j] = sum;
        }
        for (int threads = 1; threads <= 3; threads++) {
          Parallel.setThreads(threads);
          float[] one = java.util.Arrays.copyOf(start, n);
          VECTOR.matmul(1, 1, n, k, a, 0, false, b, 0, false, false, one, 0, accumulate);
          assertArrayEquals(expected, one, "row-vector path, n " + n + ", k " + k + ", " + threads + " threads");
        }
        if (k <= slab) { // one slab: the blocked kernel's own chain, which row 0 of a two-row product takes
          float[] two = start.clone();
          VECTOR.matmul(1, 2, n, k, a, 0, false, b, 0, false, false, two, 0, accumulate);
          assertArrayEquals(java.util.Arrays.copyOf(two, n), expected, "blocked path, n " + n + ", k " + k);
        }
        float[] ref = java.util.Arrays.copyOf(start, n);
        SCALAR.matmul(1, 1, n, k, a, 0, false, b, 0, false, false, ref, 0, accumulate);
        for (int j = 0; j < n; j++) assertEquals(ref[j], expected[j], 1e-4f * (1 + Math.abs(ref[j])));
      }
    }
  }

  @Test
  void aMatrixTimesOneColumnEqualsTheThinNPathBitwise() {
    // n = 1, A stored [m, k]: the column-vector path (generation through a weight kept [out, in])
    // must give exactly the thin-n path's bits, which computes column 0 of a two-column product
    // with the same dot product
    Rng rng = new Rng(8);
    for (int[] s : new int[][] {{1000, 300}, {1003, 77}, {37, 70}, {5, 17}, {9, 576}}) {
      int m = s[0];
      int k = s[1];
      for (int t = 0; t < 4; t++) {
        boolean accumulate = (t & 1) != 0;
        boolean transB = (t & 2) != 0; // a column stored [k, 1] or [1, k]: the same k floats
        float[] a = Tensor.randn(rng, m, k).toArray();
        float[] x = Tensor.randn(rng, k).toArray();
        float[] xy = new float[2 * k]; // B [k, 2] (or [2, k]) with x as its column 0
        for (int p = 0; p < k; p++) {
          xy[transB ? p : 2 * p] = x[p];
          xy[transB ? k + p : 2 * p + 1] = rng.nextGaussian();
        }
        float[] start = Tensor.randn(rng, m, 2).toArray();
        float[] one = new float[m];
        for (int i = 0; i < m; i++) one[i] = start[2 * i];
        float[] two = start.clone();
        Parallel.setThreads(2);
        VECTOR.matmul(1, m, 1, k, a, 0, false, x, 0, transB, false, one, 0, accumulate);
        VECTOR.matmul(1, m, 2, k, a, 0, false, xy, 0, transB, false, two, 0, accumulate);
        for (int i = 0; i < m; i++) {
          assertEquals(Float.floatToRawIntBits(two[2 * i]), Float.floatToRawIntBits(one[i]),
              "column-vector path, m " + m + ", k " + k + ", row " + i);
        }
      }
    }
  }

  @Test
  void resultsAreBitwiseIdenticalOnOneAndTwoThreads() {
    Rng rng = new Rng(4);
    int[][] shapes = { // {batch, m, n, k}: blocked, row- and panel-split, thin k, thin n, batched
        {1, 203, 170, 300}, {1, 8, 700, 300}, {1, 1000, 300, 8}, {1, 1000, 8, 300}, {8, 64, 64, 40}, {2, 300, 200, 150},
        {1, 1000, 32, 300}, {16, 128, 32, 128}, {1, 1, 3000, 300}, {1, 1, 2309, 77}, {1, 1, 5000, 37},
        {1, 1000, 1, 300}, {1, 1003, 1, 77}};
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        Case cs = Case.random(rng, s[0], s[1], s[2], s[3], (t & 1) != 0, (t & 2) != 0, false, t == 1);
        Parallel.setThreads(1);
        float[] one = cs.run(VECTOR);
        Parallel.setThreads(2);
        float[] two = cs.run(VECTOR);
        assertArrayEquals(one, two, "thread count changed the result for " + cs.describe());
      }
    }
  }

  @Test
  void nanAndInfinityReachExactlyTheirRowOrColumn() {
    Rng rng = new Rng(5);
    int[][] shapes = {{20, 70, 40}, {20, 8, 300}, {40, 50, 8}, {3, 3, 3}}; // blocked, thin n, thin k, tiny
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        boolean transA = (t & 1) != 0, transB = (t & 2) != 0;
        int m = s[0], n = s[1], k = s[2];
        Case cs = Case.random(rng, 1, m, n, k, transA, transB, false, false);
        int row = m / 2, col = n - 1, p = k / 3;
        cs.a[cs.aOff() + (transA ? p * m + row : row * k + p)] = Float.NaN;
        cs.b[cs.bOff() + (transB ? col * k + p : p * n + col)] = Float.POSITIVE_INFINITY;
        for (MatmulOnHost be : new MatmulOnHost[] {VECTOR, SCALAR}) {
          float[] c = cs.run(be);
          for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
              float v = c[cs.cOff() + i * n + j];
              String at = be.getClass().getSimpleName() + " " + cs.describe() + " C[" + i + "][" + j + "] = " + v;
              if (i == row) {
                assertTrue(Float.isNaN(v), at + " should be NaN (row of the NaN in A)");
              } else if (j == col) {
                assertFalse(Float.isFinite(v), at + " should be infinite (column of the Inf in B)");
              } else {
                assertTrue(Float.isFinite(v), at + " should be finite");
              }
            }
          }
        }
      }
    }
  }

  @Test
  void overwritingIgnoresWhatWasInC() {
    Rng rng = new Rng(6);
    int[][] shapes = {{20, 70, 40}, {20, 8, 300}, {40, 50, 8}, {7, 53, 200}}; // blocked, thin n, thin k, edges
    for (int[] s : shapes) {
      for (int t = 0; t < 4; t++) {
        Case cs = Case.random(rng, 1, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, false, false);
        java.util.Arrays.fill(cs.c0(), Float.NaN);
        for (MatmulOnHost be : new MatmulOnHost[] {VECTOR, SCALAR}) {
          float[] c = cs.run(be);
          for (int i = cs.cOff(); i < c.length; i++) {
            assertTrue(Float.isFinite(c[i]), be.getClass().getSimpleName() + " " + cs.describe() + " kept a NaN from C at " + i);
          }
        }
      }
    }
  }

  @Test
  void emptyInnerDimensionGivesZerosOrLeavesTheSum() {
    float[] c = {5f, 6f};
    VECTOR.matmul(1, 1, 2, 0, new float[0], 0, false, new float[0], 0, false, false, c, 0, true);
    assertArrayEquals(new float[] {5f, 6f}, c);
    VECTOR.matmul(1, 1, 2, 0, new float[0], 0, false, new float[0], 0, false, false, c, 0, false);
    assertArrayEquals(new float[] {0f, 0f}, c);
    float[] s = {5f, 6f};
    SCALAR.matmul(1, 1, 2, 0, new float[0], 0, false, new float[0], 0, false, false, s, 0, false);
    assertArrayEquals(new float[] {0f, 0f}, s);
  }

  @Test
  void operandsThatDoNotFitTheirArraysAreRejectedByName() {
    float[] a = new float[6], b = new float[6], c = new float[4];
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> MATMUL_VECTOR.matmul(1, 2, 2, 3, a, 1, false, b, 0, false, false, c, 0, false));
    assertTrue(e.getMessage().contains("A needs 6 values from offset 1"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MATMUL_SCALAR.matmul(2, 2, 2, 3, new float[12], 0, false, b, 0, false, false, c, 0, false));
    assertTrue(e.getMessage().contains("B needs 12 values"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class,
        () -> MATMUL_VECTOR.matmul(1, -1, 2, 3, a, 0, false, b, 0, false, false, c, 0, false));
    assertTrue(e.getMessage().contains("negative size"), e.getMessage());
  }
}
