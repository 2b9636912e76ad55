package org.jlora.engine;

import static org.jlora.engine.ElementwiseKernelsTest.VLEN;
import static org.jlora.engine.KernelFixtures.SCALAR;
import static org.jlora.engine.KernelFixtures.VECTOR;
import static org.jlora.engine.KernelFixtures.assertClose;
import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.assertWindowOnly;
import static org.jlora.engine.KernelFixtures.randn;
import static org.jlora.engine.KernelFixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Causal grouped-query attention: vector against the scalar twin on sizes around the block edge,
 * the saved probabilities' layout, gradients against finite differences, thread-count independence.
 */
class CausalAttentionKernelsTest {
  /** The vector path uses FMA matmuls and a vector exp: within float rounding of the scalar twin. */
  static final float ABS = 2e-5f, REL = 2e-4f;

  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  /** Inputs and outputs of one attention call, forward then backward, on one family. */
  record Run(Tensor y, Tensor probs, Tensor dq, Tensor dk, Tensor dv) {
    static Run of(AttentionKernels kernels, Tensor q, Tensor k, Tensor v, Tensor dy) {
      int b = q.dim(0), h = q.dim(1), t = q.dim(2), d = q.dim(3);
      Run r = new Run(zeros(1, b, h, t, d), zeros(2, b, h, AttentionKernels.packedSize(t)),
          zeros(3, b, h, t, d), zeros(1, b, h, t, d), zeros(2, b, h, t, d));
      kernels.causalForward(q, k, v, r.y, r.probs);
      kernels.causalBackward(q, k, v, r.probs, dy, r.dq, r.dk, r.dv);
      return r;
    }
  }

  @Test
  void vectorMatchesScalarAcrossBlockEdgesAndGroups() {
    for (int t : new int[] {1, 31, 33, 70}) {
      for (int d : new int[] {5, VLEN + 1, 2 * VLEN}) {
        for (int hkv : new int[] {1, 2, 4}) {
          String at = "T=" + t + " D=" + d + " Hkv=" + hkv;
          Rng rng = new Rng(t * 100 + d * 10 + hkv);
          Tensor q = randn(rng, 0.5f, 3, 2, 4, t, d);
          Tensor k = randn(rng, 0.5f, 1, 2, hkv, t, d), v = randn(rng, 1f, 2, 2, hkv, t, d);
          Tensor dy = randn(rng, 1f, 1, 2, 4, t, d);
          Run scalar = Run.of(SCALAR.attention(), q, k, v, dy);
          Run vector = Run.of(VECTOR.attention(), q, k, v, dy);
          assertClose("y " + at, scalar.y, vector.y, ABS, REL);
          assertClose("probs " + at, scalar.probs, vector.probs, ABS, REL);
          assertClose("dq " + at, scalar.dq, vector.dq, ABS, REL);
          assertClose("dk " + at, scalar.dk, vector.dk, ABS, REL);
          assertClose("dv " + at, scalar.dv, vector.dv, ABS, REL);
          for (Tensor out : new Tensor[] {vector.y, vector.probs, vector.dq, vector.dk, vector.dv}) {
            assertWindowOnly(at, out);
          }
        }
      }
    }
  }

  @Test
  void probabilityRowsSumToOneOverVisibleKeysOnly() {
    int t = 40;   // two blocks: [0, 32) with 32 keys a row, [32, 40) with 40
    Rng rng = new Rng(8);
    Tensor q = randn(rng, 1f, 0, 1, 2, t, 3), k = randn(rng, 1f, 0, 1, 1, t, 3), v = randn(rng, 1f, 0, 1, 1, t, 3);
    Tensor y = Tensor.zeros(1, 2, t, 3), probs = Tensor.zeros(1, 2, AttentionKernels.packedSize(t));
    assertEquals(32 * 32 + 8 * 40, AttentionKernels.packedSize(t));
    VECTOR.attention().causalForward(q, k, v, y, probs);
    int per = AttentionKernels.packedSize(t);
    for (int m = 0; m < 2; m++) {
      for (int i = 0; i < t; i++) {
        int i0 = i < 32 ? 0 : 32, i1 = i < 32 ? 32 : t;
        int row = m * per + (i0 == 0 ? 0 : 32 * 32) + (i - i0) * i1;
        double sum = 0;
        for (int j = 0; j < i1; j++) {
          float p = probs.get(row + j);
          if (j > i) assertEquals(0f, p, "key " + j + " is after query " + i);
          sum += p;
        }
        assertEquals(1.0, sum, 1e-5, "row " + i);
      }
    }
    // the first query sees only the first key: its output is v[0]
    for (int e = 0; e < 3; e++) assertEquals(v.at(0, 0, 0, e), y.at(0, 1, 0, e), 1e-6f);
  }

  /** dL/dq, dL/dk, dL/dv for L = sum(y ∘ w) against central differences, across the block edge. */
  @Test
  void gradientsMatchFiniteDifferences() {
    int t = 35, d = 3, h = 2, hkv = 1;
    Rng rng = new Rng(9);
    Tensor q = randn(rng, 0.7f, 0, 1, h, t, d), k = randn(rng, 0.7f, 0, 1, hkv, t, d);
    Tensor v = randn(rng, 1f, 0, 1, hkv, t, d), w = randn(rng, 1f, 0, 1, h, t, d);
    Run run = Run.of(SCALAR.attention(), q, k, v, w);
    // dk, dv come one per query head: sum the group's copies as the caller does
    Tensor dk = Tensor.zeros(1, t, hkv, d), dv = Tensor.zeros(1, t, hkv, d);
    SCALAR.attention().fromHeads(run.dk, 0, 1f, dk);
    SCALAR.attention().fromHeads(run.dv, 0, 1f, dv);
    for (int[] at : new int[][] {{0, 0, 0}, {1, 34, 2}, {0, 33, 1}, {1, 5, 0}}) {
      int hq = at[0], pos = at[1], e = at[2];
      int qi = (hq * t + pos) * d + e, kvi = pos * d + e;
      assertEquals(numeric(q, qi, q, k, v, w), run.dq.get(qi), 2e-3, "dq " + java.util.Arrays.toString(at));
      assertEquals(numeric(k, kvi, q, k, v, w), dk.at(0, pos, 0, e), 2e-3, "dk " + java.util.Arrays.toString(at));
      assertEquals(numeric(v, kvi, q, k, v, w), dv.at(0, pos, 0, e), 2e-3, "dv " + java.util.Arrays.toString(at));
    }
  }

  private static double numeric(Tensor wrt, int i, Tensor q, Tensor k, Tensor v, Tensor w) {
    float h = 1e-2f, x = wrt.get(i);
    wrt.set(i, x + h);
    double plus = loss(q, k, v, w);
    wrt.set(i, x - h);
    double minus = loss(q, k, v, w);
    wrt.set(i, x);
    return (plus - minus) / (2 * h);
  }

  private static double loss(Tensor q, Tensor k, Tensor v, Tensor w) {
    Tensor y = Tensor.zeros(q.shape());
    Tensor probs = Tensor.zeros(q.dim(0), q.dim(1), AttentionKernels.packedSize(q.dim(2)));
    SCALAR.attention().causalForward(q, k, v, y, probs);
    return RopeKernelsTest.dot(y, w);
  }

  @Test
  void resultsDoNotDependOnTheThreadCount() {
    Rng rng = new Rng(10);
    int t = 70, d = VLEN + 1;
    Tensor q = randn(rng, 0.5f, 0, 2, 8, t, d), k = randn(rng, 0.5f, 0, 2, 2, t, d);
    Tensor v = randn(rng, 1f, 0, 2, 2, t, d), dy = randn(rng, 1f, 0, 2, 8, t, d);
    Parallel.setThreads(1);
    Run one = Run.of(VECTOR.attention(), q, k, v, dy);
    Parallel.setThreads(Math.max(4, Runtime.getRuntime().availableProcessors()));
    Run many = Run.of(VECTOR.attention(), q, k, v, dy);
    assertSameBits("y", one.y, many.y);
    assertSameBits("dq", one.dq, many.dq);
    assertSameBits("dk", one.dk, many.dk);
    assertSameBits("dv", one.dv, many.dv);
  }
}
