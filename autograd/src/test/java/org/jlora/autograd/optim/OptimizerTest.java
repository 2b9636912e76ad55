package org.jlora.autograd.optim;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Optimizers against the PyTorch update rules written out in double for one parameter over a
 * few steps with changing gradients (tolerance 1e-6 relative: float32 state vs a double
 * reference over three steps). PyTorch's own numbers are checked in GoldenTest.
 */
class OptimizerTest {
  private static final float[] P0 = {0.5f, -1.2f, 2.0f};
  private static final float[][] GRADS = {{0.1f, -0.3f, 0.7f}, {-0.2f, 0.05f, 0.4f}, {0.3f, 0.3f, -0.1f}};

  private static Parameter param() {
    return new Parameter(Tensor.of(P0.clone(), 3));
  }

  private static void run(Optimizer opt, Parameter p) {
    for (float[] g : GRADS) {
      p.zeroGrad();
      p.accumulateGrad(Tensor.of(g.clone(), 3));
      opt.step();
    }
  }

  private static void assertClose(double[] expected, Parameter p) {
    for (int i = 0; i < expected.length; i++) {
      assertEquals(expected[i], p.value().get(i), 1e-6 * Math.max(1, Math.abs(expected[i])), "element " + i);
    }
  }

  @Test
  void sgdMomentumWeightDecayAndNesterov() {
    for (boolean nesterov : new boolean[] {false, true}) {
      double lr = 0.1, mom = 0.9, wd = 0.01;
      double[] p = {P0[0], P0[1], P0[2]};
      double[] buf = new double[3];
      for (int s = 0; s < GRADS.length; s++) {
        for (int i = 0; i < 3; i++) {
          double d = GRADS[s][i] + wd * p[i];
          buf[i] = s == 0 ? d : mom * buf[i] + d;
          p[i] -= lr * (nesterov ? d + mom * buf[i] : buf[i]);
        }
      }
      Parameter param = param();
      run(new SGD(List.of(new ParamGroup(List.of(param), 0.1f, 0.01f)), 0.9f, 0f, nesterov), param);
      assertClose(p, param);
    }
  }

  private static double[] adamReference(boolean decoupled, double wd) {
    double lr = 0.01, b1 = 0.9, b2 = 0.999, eps = 1e-8;
    double[] p = {P0[0], P0[1], P0[2]};
    double[] m = new double[3];
    double[] v = new double[3];
    for (int s = 0; s < GRADS.length; s++) {
      int t = s + 1;
      for (int i = 0; i < 3; i++) {
        double g = GRADS[s][i];
        if (decoupled) p[i] -= lr * wd * p[i];
        else g += wd * p[i];
        m[i] = b1 * m[i] + (1 - b1) * g;
        v[i] = b2 * v[i] + (1 - b2) * g * g;
        p[i] -= lr * (m[i] / (1 - Math.pow(b1, t))) / (Math.sqrt(v[i] / (1 - Math.pow(b2, t))) + eps);
      }
    }
    return p;
  }

  @Test
  void adamWithL2AndAdamWWithDecoupledDecay() {
    Parameter a = param();
    run(new Adam(List.of(new ParamGroup(List.of(a), 0.01f, 0.1f)), 0.9f, 0.999f, 1e-8f), a);
    assertClose(adamReference(false, 0.1), a);
    Parameter w = param();
    run(new AdamW(List.of(w), 0.01f, 0.1f), w);
    assertClose(adamReference(true, 0.1), w);
    assertNotEquals(a.value().get(2), w.value().get(2), "L2 and decoupled decay differ");
  }

  @Test
  void onlyParametersThatRequireGradientsGetState() {
    Parameter trainable = param();
    Parameter frozen = new Parameter(Tensor.zeros(100), false);
    AdamW opt = new AdamW(List.of(trainable, frozen), 0.01f, 0f);
    frozen.accumulateGrad(Tensor.ones(100));   // even a stray gradient must not make it train
    frozen.setRequiresGrad(false);
    run(opt, trainable);
    assertEquals(3 * 2 * 4 + 4, opt.stateBytes(), "m and v for 3 floats plus the step counter");
    assertEquals(0f, frozen.value().get(0));
    List<ParamGroup> groups = ParamGroup.splitWeightDecay(
        List.of(new Parameter(Tensor.zeros(2, 2)), new Parameter(Tensor.zeros(2)), frozen), 0.1f, 0.5f);
    assertEquals(1, groups.get(0).params().size());
    assertEquals(0.5f, groups.get(0).weightDecay());
    assertEquals(1, groups.get(1).params().size());
    assertEquals(0f, groups.get(1).weightDecay());
  }

  @Test
  void clipGradNormScalesOnlyAboveTheLimit() {
    Parameter a = new Parameter(Tensor.zeros(2));
    Parameter b = new Parameter(Tensor.zeros(1));
    Parameter none = new Parameter(Tensor.zeros(1));
    a.accumulateGrad(Tensor.of(new float[] {3f, 0f}, 2));
    b.accumulateGrad(Tensor.of(new float[] {4f}, 1));
    assertEquals(5f, GradClip.clipGradNorm(List.of(a, b, none), 10f), 1e-6f);
    assertEquals(3f, a.grad().get(0), "under the limit: unchanged");
    assertEquals(5f, GradClip.clipGradNorm(List.of(a, b), 1f), 1e-6f);
    assertEquals(0.6f, a.grad().get(0), 1e-5f);
    assertEquals(0.8f, b.grad().get(0), 1e-5f);
  }

  @Test
  void schedules() {
    LrSchedule s = LrSchedule.warmupCosine(10, 110, 0.1f);
    assertEquals(0.1f, s.lr(0, 1f), 1e-6f);
    assertEquals(1f, s.lr(9, 1f), 1e-6f);
    assertEquals(1f, s.lr(10, 1f), 1e-6f);
    assertEquals(0.55f, s.lr(60, 1f), 1e-6f, "half way: the mean of base and min");
    assertEquals(0.1f, s.lr(110, 1f), 1e-6f);
    assertEquals(0.1f, s.lr(500, 1f), 1e-6f);
    assertEquals(0.3f, LrSchedule.constant().lr(77, 0.3f));
    Parameter p = param();
    SGD opt = new SGD(List.of(new ParamGroup(List.of(p), 2f, 0f)), 0f, 0f, false);
    s.apply(opt, 0);
    assertEquals(0.2f, opt.groups().get(0).lr(), 1e-6f);
    assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(10, 5, 0f));
  }

  /** Two steps, save by name, a fresh optimizer on fresh parameters loads it: the third step is bit-identical. */
  @Test
  void stateSavedByNameResumesBitIdentically() {
    for (boolean sgd : new boolean[] {false, true}) {
      Parameter a = param();
      Parameter b = new Parameter(Tensor.of(new float[] {1f, 2f, 3f, 4f}, 2, 2));
      Optimizer straight = optimizer(sgd, a, b);
      float[][] grads = {{0.1f, -0.3f, 0.7f}, {-0.2f, 0.05f, 0.4f}, {0.3f, 0.3f, -0.1f}};
      for (int s = 0; s < 2; s++) step(straight, a, b, grads[s]);
      Map<String, Tensor> saved = straight.stateDict(Map.of("a", a, "b", b));
      assertEquals(sgd ? 4 : 6, saved.size(), saved.keySet().toString());
      if (!sgd) {
        assertArrayEquals(new int[] {2, 2}, saved.get("m.b").shape(), "moments are shaped like the parameter");
        assertEquals(2f, saved.get("t.a").item(), "two steps counted");
      }
      Parameter a2 = new Parameter(a.value().copy());
      Parameter b2 = new Parameter(b.value().copy());
      Optimizer resumed = optimizer(sgd, a2, b2);
      resumed.loadStateDict(new LinkedHashMap<>(Map.of("a", a2, "b", b2)), saved, "optimizer.safetensors");
      step(straight, a, b, grads[2]);
      step(resumed, a2, b2, grads[2]);
      assertArrayEquals(a.value().toArray(), a2.value().toArray());
      assertArrayEquals(b.value().toArray(), b2.value().toArray());
    }
  }

  @Test
  void loadingStateThatDoesNotFitIsRefusedByName() {
    Parameter a = param();
    AdamW opt = new AdamW(List.of(a), 0.01f, 0f);
    Map<String, Parameter> named = Map.of("a", a);
    IllegalArgumentException unknown = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(named,
        Map.of("m.zzz", Tensor.zeros(3), "v.zzz", Tensor.zeros(3), "t.zzz", Tensor.zeros(1)), "opt.safetensors"));
    assertTrue(unknown.getMessage().contains("opt.safetensors") && unknown.getMessage().contains("m.zzz"),
        unknown.getMessage());
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(named,
        Map.of("m.a", Tensor.zeros(4), "v.a", Tensor.zeros(3), "t.a", Tensor.zeros(1)), "opt.safetensors"));
    assertTrue(shape.getMessage().contains("'m.a' has shape [4]"), shape.getMessage());
    IllegalArgumentException partial = assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(named,
        Map.of("m.a", Tensor.zeros(3)), "opt.safetensors"));
    assertTrue(partial.getMessage().contains("incomplete"), partial.getMessage());
    Parameter notMine = param();
    assertThrows(IllegalArgumentException.class, () -> opt.loadStateDict(Map.of("b", notMine),
        Map.of("m.b", Tensor.zeros(3), "v.b", Tensor.zeros(3), "t.b", Tensor.zeros(1)), "opt.safetensors"),
        "a parameter this optimizer does not update");
    assertEquals(0, opt.stateBytes(), "a refused load changes nothing");
  }

  private static Optimizer optimizer(boolean sgd, Parameter a, Parameter b) {
    return sgd ? new SGD(List.of(new ParamGroup(List.of(a, b), 0.1f, 0.01f)), 0.9f, 0f, true)
        : new AdamW(List.of(new ParamGroup(List.of(a, b), 0.01f, 0.1f)), 0.9f, 0.95f, 1e-8f);
  }

  private static void step(Optimizer opt, Parameter a, Parameter b, float[] g) {
    a.zeroGrad();
    b.zeroGrad();
    a.accumulateGrad(Tensor.of(g.clone(), 3));
    b.accumulateGrad(Tensor.of(new float[] {g[0], g[1], g[2], g[0] * g[1]}, 2, 2));
    opt.step();
  }
}
