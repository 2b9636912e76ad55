package org.jlora.tornado;

import static org.jlora.tornado.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.jlora.engine.AdamHyper;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.DeviceStorage;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.KernelCall;
import org.jlora.engine.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every device kernel against the engine's scalar twin, kernel by kernel through the tornado
 * backend: one or more calls per method that has a lowering (a test below checks none is left
 * out), odd sizes, windows at offsets, accumulation, NaN.
 */
class TornadoKernelsTest {
  private static final float TOL = 2e-5f;

  static Stream<Arguments> calls() {
    Rng rng = new Rng(7);
    Calls c = new Calls();
    // matmul: every transposition, batches, shared B, accumulate, windows at offsets
    int[][] shapes = {{1, 37, 23, 41}, {3, 17, 9, 33}, {2, 5, 70, 3}, {1, 1, 1, 1}};
    for (int[] s : shapes) {
      for (int f = 0; f < 16; f += 3) {
        boolean tA = (f & 1) != 0, tB = (f & 2) != 0, shareB = (f & 4) != 0, acc = (f & 8) != 0;
        int batch = s[0], m = s[1], n = s[2], k = s[3];
        Tensor a = at(rng, 3, batch * m * k), b = at(rng, 5, (shareB ? 1 : batch) * k * n), out = at(rng, 2, batch * m * n);
        c.matmul().matmul(batch, m, n, k, a, tA, b, tB, shareB, out, acc);
      }
    }
    c.matmul().matmul(randn(rng, 6, 4), false, randn(rng, 5, 4), true, randn(rng, 6, 5), true);
    // elementwise: every op, broadcasting, in place
    for (BinaryOp op : BinaryOp.values()) {
      Tensor x = randn(rng, 4, 6);
      c.elementwise().binary(op, x, randn(rng, 6), randn(rng, 4, 6));
    }
    Tensor nan = randn(rng, 2, 3);
    nan.set(4, Float.NaN);
    c.elementwise().binary(BinaryOp.MAX, nan, randn(rng, 3), randn(rng, 2, 3));
    Tensor inPlace = randn(rng, 5, 7);
    c.elementwise().binary(BinaryOp.MUL, inPlace, randn(rng, 7), inPlace);
    for (UnaryOp op : UnaryOp.values()) {
      Tensor x = op == UnaryOp.LOG || op == UnaryOp.SQRT ? uniform(rng, 0.1f, 3f, 50) : randn(rng, 50);
      Tensor y = Tensor.zeros(50);
      org.jlora.engine.Backends.scalar().elementwise().unary(op, x, y);
      c.elementwise().unary(op, x, randn(rng, 50));
      c.elementwise().unaryBackward(op, x, y, randn(rng, 50), randn(rng, 50), false);
      c.elementwise().unaryBackward(op, x, y, randn(rng, 50), randn(rng, 50), true);
    }
    c.elementwise().axpy(0.37f, randn(rng, 33), randn(rng, 33));
    c.elementwise().scale(-1.5f, randn(rng, 33));
    c.elementwise().fill(randn(rng, 10, 3).rows(2, 5), 2.5f);
    Tensor big = randn(rng, 8, 5);
    c.elementwise().copy(big.rows(0, 3), big.rows(4, 7));
    // reductions
    c.reductions().sumOfSquares(List.of(randn(rng, 100_003), randn(rng, 7, 3), at(rng, 2, 5)), at(rng, 1, 1));
    c.reductions().sumOfSquares(List.of(randn(rng, 7)), at(rng, 1, 1));
    c.reductions().sum(randn(rng, 50_001), 0.25f, at(rng, 3, 1));
    c.reductions().sum(nan(randn(rng, 9), 4), 1f, Tensor.zeros(1));
    c.reductions().sumRows(9, 13, randn(rng, 9, 13), randn(rng, 9));
    c.reductions().maxRows(9, 13, nan(randn(rng, 9, 13), 20), randn(rng, 9));
    c.reductions().sumColumns(9, 13, randn(rng, 9, 13), randn(rng, 13), true);
    c.reductions().sumColumns(9, 13, randn(rng, 9, 13), randn(rng, 13), false);
    // rows
    c.rows().softmax(6, 11, scaled(randn(rng, 6, 11), 30f), randn(rng, 6, 11));
    c.rows().logSoftmax(6, 11, scaled(randn(rng, 6, 11), 30f), randn(rng, 6, 11));
    Tensor p = Tensor.zeros(6, 11);
    Backends.scalar().rows().softmax(6, 11, randn(rng, 6, 11), p);
    c.rows().softmaxBackward(6, 11, p, randn(rng, 6, 11), randn(rng, 6, 11), true);
    Tensor lp = Tensor.zeros(6, 11);
    Backends.scalar().rows().logSoftmax(6, 11, randn(rng, 6, 11), lp);
    c.rows().logSoftmaxBackward(6, 11, lp, randn(rng, 6, 11), randn(rng, 6, 11), false);
    c.rows().layerNorm(7, 19, randn(rng, 7, 19), randn(rng, 19), randn(rng, 19), 1e-5f, randn(rng, 7, 19),
        randn(rng, 7), randn(rng, 7));
    c.rows().layerNorm(7, 19, randn(rng, 7, 19), null, null, 1e-5f, randn(rng, 7, 19), randn(rng, 7), randn(rng, 7));
    Tensor x = randn(rng, 7, 19), mean = Tensor.zeros(7), rstd = Tensor.zeros(7);
    Backends.scalar().rows().layerNorm(7, 19, x, null, null, 1e-5f, Tensor.zeros(7, 19), mean, rstd);
    c.rows().layerNormBackward(7, 19, x, randn(rng, 19), mean, rstd, randn(rng, 7, 19), randn(rng, 7, 19),
        randn(rng, 19), randn(rng, 19), true);
    c.rows().layerNormBackward(7, 19, x, null, mean, rstd, randn(rng, 7, 19), randn(rng, 7, 19),
        randn(rng, 19), null, false);
    // conv: padding, stride, dilation, a 1x1 kernel; col2im written and accumulated
    for (org.jlora.engine.ConvGeometry g : List.of(new org.jlora.engine.ConvGeometry(3, 7, 6, 3, 3, 1, 1, 1, 1, 1, 1),
        new org.jlora.engine.ConvGeometry(2, 9, 8, 3, 2, 2, 3, 1, 0, 2, 1),
        new org.jlora.engine.ConvGeometry(4, 5, 5, 1, 1, 1, 1, 0, 0, 1, 1))) {
      int xs = g.channels() * g.height() * g.width(), cs = g.colRows() * g.colCols();
      c.conv().im2col(g, at(rng, 2, xs), at(rng, 3, cs));
      c.conv().col2im(g, randn(rng, cs), at(rng, 1, xs), true);
      c.conv().col2im(g, randn(rng, cs), randn(rng, xs), false);
    }
    // embedding (repeated ids add up)
    int[] ids = {3, 0, 3, 9, 3, 1};
    c.embedding().gatherRows(randn(rng, 10, 12), ids, randn(rng, 6, 12));
    c.embedding().scatterAddRows(randn(rng, 6, 12), ids, randn(rng, 10, 12));
    // the step kernels
    c.rows().rmsNorm(7, 19, randn(rng, 7, 19), randn(rng, 19), 1e-5f, randn(rng, 7, 19), randn(rng, 7));
    Tensor rx = randn(rng, 7, 19), rw = randn(rng, 19), rr = Tensor.zeros(7);
    Backends.scalar().rows().rmsNorm(7, 19, rx, rw, 1e-5f, Tensor.zeros(7, 19), rr);
    c.rows().rmsNormBackward(7, 19, rx, rw, rr, randn(rng, 7, 19), randn(rng, 7, 19), randn(rng, 19));
    c.rows().rmsNormBackward(7, 19, rx, rw, rr, randn(rng, 7, 19), null, randn(rng, 19));
    int[] targets = {3, -100, 0, 10, 7, 7};
    Tensor logits = scaled(randn(rng, 6, 11), 4f);
    c.rows().crossEntropy(6, 11, logits, targets, -100, randn(rng, 6, 11), randn(rng, 1));
    Tensor logp6 = Tensor.zeros(6, 11);
    Backends.scalar().rows().crossEntropy(6, 11, logits, targets, -100, logp6, Tensor.zeros(1));
    c.rows().crossEntropyBackward(6, 11, logp6, targets, -100, Tensor.full(0.5f, 1), randn(rng, 6, 11));
    c.elementwise().swiglu(randn(rng, 40), randn(rng, 40), randn(rng, 40));
    c.elementwise().swigluBackward(randn(rng, 40), randn(rng, 40), randn(rng, 40), randn(rng, 40), randn(rng, 40));
    c.elementwise().swigluBackward(randn(rng, 40), randn(rng, 40), randn(rng, 40), null, randn(rng, 40));
    c.elementwise().dropout(randn(rng, 40), uniform(rng, 0f, 2f, 40), randn(rng, 40));
    c.optimizer().clipCoefficient(Tensor.full(900f, 1), 1f, randn(rng, 1), randn(rng, 1));
    c.optimizer().clipCoefficient(Tensor.full(0.25f, 1), 1f, randn(rng, 1), randn(rng, 1));
    c.optimizer().clipCoefficient(Tensor.full(Float.NaN, 1), 1f, randn(rng, 1), randn(rng, 1));
    c.optimizer().clipCoefficient(Tensor.full(Float.POSITIVE_INFINITY, 1), 1f, randn(rng, 1), randn(rng, 1));
    // AdamW
    Tensor hyper = AdamHyper.write(AdamHyper.allocate(), 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.1f, 0.001f, 0.5f);
    c.optimizer().adamw(randn(rng, 77), randn(rng, 77), randn(rng, 77), uniform(rng, 0f, 1f, 77), hyper);
    // a non-finite gradient scale (clipping's NaN) skips the update: p, m, v unchanged
    for (float scale : new float[] {Float.NaN, Float.POSITIVE_INFINITY}) {
      Tensor skip = AdamHyper.write(AdamHyper.allocate(), 1e-2f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.1f, 0.001f, scale);
      c.optimizer().adamw(randn(rng, 77), randn(rng, 77), randn(rng, 77), uniform(rng, 0f, 1f, 77), skip);
    }
    // attention: head moves (GQA, fused rows), causal attention across a block edge, RoPE
    c.attention().toHeads(randn(rng, 2, 5, 2, 4), 0, 0.5f, randn(rng, 2, 4, 5, 4));
    c.attention().toHeads(randn(rng, 2, 5, 3, 2, 4), 1, 1f, randn(rng, 2, 2, 5, 4));
    c.attention().fromHeads(randn(rng, 2, 4, 5, 4), 0, 0.5f, randn(rng, 2, 5, 2, 4));
    c.attention().fromHeads(randn(rng, 2, 2, 5, 4), 2, 1f, randn(rng, 2, 5, 3, 2, 4));
    int ab = 2, ah = 4, akv = 2, at = 37, ad = 8;
    Tensor aq = scaled(randn(rng, ab, ah, at, ad), 0.5f), ak = randn(rng, ab, akv, at, ad), av = randn(rng, ab, akv, at, ad);
    int per = org.jlora.engine.AttentionKernels.packedSize(at);
    c.attention().causalForward(aq, ak, av, randn(rng, ab, ah, at, ad), randn(rng, ab, ah, per));
    Tensor probs = Tensor.zeros(ab, ah, per);
    Backends.scalar().attention().causalForward(aq, ak, av, Tensor.zeros(ab, ah, at, ad), probs);
    c.attention().causalBackward(aq, ak, av, probs, randn(rng, ab, ah, at, ad), randn(rng, ab, ah, at, ad),
        randn(rng, ab, ah, at, ad), randn(rng, ab, ah, at, ad));
    Tensor cos = randn(rng, 6, 4), sin = randn(rng, 6, 4);
    for (org.jlora.engine.RopeLayout layout : org.jlora.engine.RopeLayout.values()) {
      c.attention().ropeForward(randn(rng, 2, 6, 3, 8), cos, sin, layout, randn(rng, 2, 6, 3, 8));
      c.attention().ropeBackward(randn(rng, 2, 6, 3, 8), cos, sin, layout, randn(rng, 2, 6, 3, 8));
      Tensor self = randn(rng, 2, 6, 3, 8);
      c.attention().ropeForward(self, cos, sin, layout, self);
    }
    // generation over a KV cache: fused and plain rows into a cache, attention at a position
    // (GQA, one and three new rows), RoPE at a position in both layouts
    c.attention().cacheWrite(randn(rng, 2, 1, 2, 4), 0, new int[] {5}, randn(rng, 2, 2, 9, 4));
    c.attention().cacheWrite(randn(rng, 2, 3, 3, 2, 4), 2, new int[] {6}, randn(rng, 2, 2, 9, 4));
    for (int[] tp : new int[][] {{1, 0}, {1, 8}, {3, 4}}) {
      Tensor kc = randn(rng, 2, 2, 9, 8), vc = randn(rng, 2, 2, 9, 8);
      c.attention().cachedAttention(scaled(randn(rng, 2, 4, tp[0], 8), 0.35f), kc, vc, new int[] {tp[1]},
          randn(rng, 2, 4, tp[0], 8));
    }
    Tensor cosAll = randn(rng, 9, 4), sinAll = randn(rng, 9, 4);
    for (org.jlora.engine.RopeLayout layout : org.jlora.engine.RopeLayout.values()) {
      c.attention().ropeAt(randn(rng, 2, 2, 3, 8), cosAll, sinAll, new int[] {7}, layout, randn(rng, 2, 2, 3, 8));
    }
    // strided copies: a transpose, a broadcast, sums over zero destination strides, one element,
    // overlapping destination strides (one work-item), at offsets
    c.elementwise().copyStrided(new int[] {3, 4}, randn(rng, 12), 0, new int[] {1, 3}, randn(rng, 12), 0, new int[] {4, 1}, false);
    c.elementwise().copyStrided(new int[] {3, 4}, randn(rng, 9), 2, new int[] {0, 1}, randn(rng, 15), 3, new int[] {4, 1}, true);
    c.elementwise().copyStrided(new int[] {2, 3, 4}, randn(rng, 24), 0, new int[] {12, 4, 1}, randn(rng, 5), 1, new int[] {0, 1, 0}, true);
    c.elementwise().copyStrided(new int[] {2, 3, 4}, randn(rng, 24), 0, new int[] {12, 4, 1}, randn(rng, 8), 0, new int[] {4, 0, 1}, false);
    c.elementwise().copyStrided(new int[] {}, randn(rng, 3), 2, new int[] {}, randn(rng, 2), 1, new int[] {}, true);
    c.elementwise().copyStrided(new int[] {3, 3}, randn(rng, 9), 0, new int[] {3, 1}, randn(rng, 5), 0, new int[] {1, 1}, true);

    List<Arguments> out = new ArrayList<>();
    for (KernelCall call : c.recorded) out.add(Arguments.of(Lowerings.name(call.method()) + "#" + out.size(), call));
    return out.stream();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("calls")
  void matchesScalarTwin(String name, KernelCall call) {
    Backend tornado = TornadoRuntime.backend();
    Object[] expected = Calls.copyArgs(call.args());
    Object[] actual = Calls.copyArgs(call.args());
    Calls.invoke(Backends.scalar(), call, expected);
    Calls.invoke(tornado, call, actual);
    for (int i = 0; i < expected.length; i++) {
      if (expected[i] instanceof Tensor e) {
        assertClose(name + " arg " + i, e.toArray(), ((Tensor) actual[i]).toArray(), TOL);
        // the storage around the window is left alone
        assertClose(name + " storage of arg " + i, Tensor.on(e.storage(), 0, e.storage().length()).toArray(),
            Tensor.on(((Tensor) actual[i]).storage(), 0, e.storage().length()).toArray(), TOL);
      }
    }
  }

  @Test
  void everyLoweringIsTested() {
    Set<Method> tested = new HashSet<>();
    calls().forEach(a -> tested.add(((KernelCall) a.get()[1]).method()));
    for (Method m : Lowerings.all().keySet()) assertTrue(tested.contains(m), "no kernel test for " + Lowerings.name(m));
  }

  @Test
  void tornadoTensorsStayTornadoTensors() {
    Backend tornado = TornadoRuntime.backend();
    Rng rng = new Rng(3);
    Tensor a = randn(rng, 20, 12), w = randn(rng, 9, 12);
    Tensor expected = Tensor.zeros(20, 9);
    Backends.scalar().matmul().matmul(a, false, w, true, expected, false);
    Tensor da = TornadoStorage.copyOf(a), dw = TornadoStorage.copyOf(w), dout = TornadoStorage.zeros(20, 9);
    long runs = DeviceGraph.runs();
    tornado.matmul().matmul(da, false, dw, true, dout, false);
    assertEquals(runs + 1, DeviceGraph.runs(), "the matmul ran as one device graph");
    assertTrue(dout.storage() instanceof TornadoStorage);
    assertClose("matmul on tornado tensors", expected.toArray(), dout.toArray(), TOL);
    // a host-valued reduction downloads them
    assertEquals(Backends.scalar().reductions().sum(expected), tornado.reductions().sum(dout), 1e-3);
  }

  @Test
  void anotherBackendsDeviceTensorIsRefused() {
    Backend tornado = TornadoRuntime.backend();
    DeviceStorage foreign = new DeviceStorage(4, "elsewhere") {
      @Override public void download(int from, float[] dst, int dstOff, int n) {}

      @Override public void upload(int to, float[] src, int srcOff, int n) {}
    };
    Tensor x = Tensor.on(foreign, 0, 4);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> tornado.elementwise().scale(2f, x));
    assertTrue(e.getMessage().contains("elsewhere") && e.getMessage().contains("toHost()"), e.getMessage());
  }

  static Tensor randn(Rng rng, int... shape) {
    return Tensor.randn(rng, shape);
  }

  static Tensor uniform(Rng rng, float lo, float hi, int... shape) {
    return Tensor.uniform(rng, lo, hi, shape);
  }

  /** A window of n elements at offset {@code off} of a larger random storage. */
  static Tensor at(Rng rng, int off, int n) {
    return Tensor.randn(rng, off + n + 3).window(off, n);
  }

  static Tensor nan(Tensor t, int at) {
    t.set(at, Float.NaN);
    return t;
  }

  static Tensor scaled(Tensor t, float f) {
    for (int i = 0; i < t.size(); i++) t.set(i, t.get(i) * f);
    return t;
  }
}
