package org.jlora.autograd.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.function.Supplier;
import org.jlora.autograd.F;
import org.jlora.autograd.GradCheck;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;
import org.jlora.engine.RopeLayout;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The Llama ops (RMSNorm, SwiGLU, RoPE in both layouts, grouped-query attention with and without a
 * cache): gradients by finite differences (each output dotted with fixed random weights, as in
 * OpsGradCheckTest), values against the same computation written out from elementary ops or by
 * hand. Odd sizes (T = 5, C = 7) keep tails in play.
 */
class LlamaOpsTest {
  private final Rng rng = new Rng(4321);

  private Variable randn(int... shape) {
    return Variable.of(Tensor.randn(rng, shape), true);
  }

  private void check(String what, Supplier<Variable> op, Variable... inputs) {
    Variable[] w = new Variable[1];
    GradCheck.check(what, () -> {
      Variable y = op.get();
      if (w[0] == null) w[0] = Variable.constant(Tensor.randn(rng, y.shape()));
      return F.sum(F.mul(y, w[0]));
    }, inputs);
  }

  @Test
  void gradientsMatchFiniteDifferences() {
    Variable x = randn(2, 3, 7);
    Variable w = randn(7);
    check("rmsNorm", () -> F.rmsNorm(x, w, 1e-5f), x, w);
    Variable g = randn(2, 3, 5);
    Variable u = randn(2, 3, 5);
    check("swiglu", () -> F.swiglu(g, u), g, u);
    Variable r = randn(2, 3, 2, 6);
    for (RopeLayout layout : RopeLayout.values()) {
      check("rope " + layout, () -> F.rope(r, 3, 10000f, layout), r);
    }
    Variable q = randn(2, 5, 4, 3);
    Variable k = randn(2, 5, 2, 3);
    Variable v = randn(2, 5, 2, 3);
    check("groupedQueryAttention", () -> F.groupedQueryAttention(q, k, v), q, k, v);
  }

  @Test
  void rmsNormMatchesItsEquation() {
    Tensor x = Tensor.randn(rng, 3, 7);
    Tensor w = Tensor.randn(rng, 7);
    Tensor y = F.rmsNorm(Variable.constant(x), Variable.constant(w), 1e-5f).value();
    for (int i = 0; i < 3; i++) {
      double ss = 0;
      for (int c = 0; c < 7; c++) ss += x.at(i, c) * x.at(i, c);
      double r = 1 / Math.sqrt(ss / 7 + 1e-5);
      for (int c = 0; c < 7; c++) assertEquals(x.at(i, c) * r * w.at(c), y.at(i, c), 1e-5);
    }
  }

  @Test
  void swigluMatchesComposedOps() {
    Tensor g = Tensor.randn(rng, 4, 5);
    Tensor u = Tensor.randn(rng, 4, 5);
    Variable gv = Variable.constant(g);
    Tensor ref = F.mul(F.mul(gv, F.sigmoid(gv)), Variable.constant(u)).value();
    assertClose(ref, F.swiglu(gv, Variable.constant(u)).value(), 1e-6f, "swiglu");
  }

  /**
   * The two layouts are one rotation under a permutation of each head's features: interleaved
   * feature 2i is halves feature i, 2i+1 is i + D/2 (what convert_llama_weights_to_hf.py's permute
   * does to q and k rows). Also: position 0 is the identity, and a rotation keeps each pair's norm.
   */
  @Test
  void bothLayoutsAreTheSameRotationUnderThePermutation() {
    int b = 2;
    int t = 4;
    int h = 3;
    int d = 8;
    Tensor x = Tensor.randn(rng, b, t, h, d);
    Tensor xHalves = Tensor.zeros(b, t, h, d);
    for (int row = 0; row < b * t * h; row++) {
      for (int i = 0; i < d / 2; i++) {
        xHalves.data()[row * d + i] = x.data()[row * d + 2 * i];
        xHalves.data()[row * d + i + d / 2] = x.data()[row * d + 2 * i + 1];
      }
    }
    Tensor yi = F.rope(Variable.constant(x), 5, 10000f, RopeLayout.INTERLEAVED).value();
    Tensor yh = F.rope(Variable.constant(xHalves), 5, 10000f, RopeLayout.HALVES).value();
    for (int row = 0; row < b * t * h; row++) {
      for (int i = 0; i < d / 2; i++) {
        assertEquals(yi.data()[row * d + 2 * i], yh.data()[row * d + i], 0f);
        assertEquals(yi.data()[row * d + 2 * i + 1], yh.data()[row * d + i + d / 2], 0f);
        double before = Math.hypot(x.data()[row * d + 2 * i], x.data()[row * d + 2 * i + 1]);
        double after = Math.hypot(yi.data()[row * d + 2 * i], yi.data()[row * d + 2 * i + 1]);
        assertEquals(before, after, 1e-5);
      }
    }
    assertClose(x, F.rope(Variable.constant(x.copy().reshape(b * t, 1, h, d)), 0, 10000f, RopeLayout.INTERLEAVED)
        .value().reshape(b, t, h, d), 0f, "position 0");
    // pair 0 at position p turns by exactly p radians (f_0 = 1)
    Tensor one = Tensor.zeros(1, 3, 1, 2);
    for (int p = 0; p < 3; p++) one.data()[p * 2] = 1f;
    Tensor turned = F.rope(Variable.constant(one), 0, 10000f, RopeLayout.HALVES).value();
    for (int p = 0; p < 3; p++) {
      assertEquals(Math.cos(p), turned.data()[p * 2], 1e-6);
      assertEquals(Math.sin(p), turned.data()[p * 2 + 1], 1e-6);
    }
  }

  /** GQA equals plain multi-head attention with each key/value head repeated for its query heads. */
  @Test
  void groupedQueryAttentionEqualsRepeatedMultiHead() {
    int b = 2;
    int t = 5;
    int h = 4;
    int hkv = 2;
    int d = 3;
    Tensor q = Tensor.randn(rng, b, t, h, d);
    Tensor k = Tensor.randn(rng, b, t, hkv, d);
    Tensor v = Tensor.randn(rng, b, t, hkv, d);
    // qkv [B, T, 3·H·D] with k, v heads repeated, for the fused multi-head op
    Tensor qkv = Tensor.zeros(b, t, 3 * h * d);
    for (int bt = 0; bt < b * t; bt++) {
      for (int hi = 0; hi < h; hi++) {
        for (int e = 0; e < d; e++) {
          qkv.data()[bt * 3 * h * d + hi * d + e] = q.data()[(bt * h + hi) * d + e];
          qkv.data()[bt * 3 * h * d + h * d + hi * d + e] = k.data()[(bt * hkv + hi / 2) * d + e];
          qkv.data()[bt * 3 * h * d + 2 * h * d + hi * d + e] = v.data()[(bt * hkv + hi / 2) * d + e];
        }
      }
    }
    Tensor ref = F.causalSelfAttention(Variable.constant(qkv), h).value();
    Tensor y = F.groupedQueryAttention(Variable.constant(q), Variable.constant(k), Variable.constant(v)).value();
    assertClose(ref, y, 1e-5f, "gqa");

    // the cached path, fed in two pieces (3 then 2 positions), gives the same rows
    int tmax = 8;
    Tensor kc = Tensor.zeros(b, hkv, tmax, d);
    Tensor vc = Tensor.zeros(b, hkv, tmax, d);
    try (NoGrad ng = NoGrad.enter()) {
      Tensor first = GqaAttentionOps.cached(slice(q, 0, 3), 0, slice(k, 0, 3), 0, slice(v, 0, 3), 0, kc, vc, new int[] {0});
      Tensor second = GqaAttentionOps.cached(slice(q, 3, 5), 0, slice(k, 3, 5), 0, slice(v, 3, 5), 0, kc, vc, new int[] {3});
      assertClose(F.slice(Variable.constant(y), 1, 0, 3).value().copy(), first, 1e-5f, "cached prefill");
      assertClose(F.slice(Variable.constant(y), 1, 3, 5).value().copy(), second, 1e-5f, "cached step");
    }
    // 5 positions from position 4 do not fit a cache of 8
    assertThrows(IllegalArgumentException.class, () -> GqaAttentionOps.cached(q, 0, k, 0, v, 0, kc, vc, new int[] {4}));
  }

  /** Every op parallelises by output with no atomics: values and gradients are bitwise the same for 1 and 3 threads. */
  @Test
  void resultsDoNotDependOnTheThreadCount() {
    Tensor q = Tensor.randn(rng, 2, 64, 4, 16);
    Tensor k = Tensor.randn(rng, 2, 64, 2, 16);
    Tensor v = Tensor.randn(rng, 2, 64, 2, 16);
    Tensor w = Tensor.randn(rng, 64);
    Tensor seed = Tensor.randn(rng, 2, 64, 64);
    float[][] results = new float[2][];
    int before = org.jlora.engine.Parallel.threads();
    try {
      for (int run = 0; run < 2; run++) {
        org.jlora.engine.Parallel.setThreads(run == 0 ? 1 : 3);
        Variable qv = Variable.of(q.copy(), true);
        Variable kv = Variable.of(k.copy(), true);
        Variable vv = Variable.of(v.copy(), true);
        Variable wv = Variable.of(w.copy(), true);
        Variable qr = F.rope(qv, 2, 10000f, RopeLayout.HALVES);
        Variable kr = F.rope(kv, 2, 10000f, RopeLayout.HALVES);
        Variable y = F.rmsNorm(F.groupedQueryAttention(qr, kr, vv), wv, 1e-5f);          // [2, 64, 64]
        Variable z = F.swiglu(y, y);
        z.backward(seed);
        Tensor[] parts = {z.value(), qv.grad(), kv.grad(), vv.grad(), wv.grad()};
        int n = 0;
        for (Tensor p : parts) n += p.size();
        float[] all = new float[n];
        int at = 0;
        for (Tensor p : parts) {
          System.arraycopy(p.toArray(), 0, all, at, p.size());
          at += p.size();
        }
        results[run] = all;
      }
    } finally {
      org.jlora.engine.Parallel.setThreads(before);
    }
    org.junit.jupiter.api.Assertions.assertArrayEquals(results[0], results[1]);
  }

  @Test
  void badShapesNameTheOp() {
    var e = assertThrows(ShapeException.class, () -> F.groupedQueryAttention(
        Variable.constant(Tensor.zeros(1, 2, 3, 4)), Variable.constant(Tensor.zeros(1, 2, 2, 4)),
        Variable.constant(Tensor.zeros(1, 2, 2, 4))));
    assertTrue(e.getMessage().contains("groupedQueryAttention"), e.getMessage());
    assertThrows(ShapeException.class, () -> F.rope(Variable.constant(Tensor.zeros(1, 2, 3, 5)), 0, 1e4f,
        RopeLayout.HALVES));
    assertThrows(ShapeException.class, () -> F.rmsNorm(Variable.constant(Tensor.zeros(2, 4)),
        Variable.constant(Tensor.ones(3)), 1e-5f));
  }

  private static Tensor slice(Tensor x, int from, int to) {
    return F.slice(Variable.constant(x), 1, from, to).value().copy();
  }

  private static void assertClose(Tensor expected, Tensor actual, float tol, String what) {
    assertEquals(expected.size(), actual.size(), what + ": sizes");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(expected.get(i), actual.get(i), tol, what + " at " + i);
    }
  }
}
