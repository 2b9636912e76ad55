package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The optimizer family's tensor door: hyper-parameters from a tensor, the gradient scale, errors. */
class OptimizerKernelsTest {
  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void gradScaleIsTheSameAsScalingTheGradientFirst(Backend be) {
    int n = 37;   // a vector body and a tail
    Tensor g = Tensor.randn(new Rng(1), n);
    Tensor p1 = Tensor.randn(new Rng(2), n), m1 = Tensor.zeros(n), v1 = Tensor.zeros(n);
    Tensor p2 = p1.copy(), m2 = Tensor.zeros(n), v2 = Tensor.zeros(n);
    Tensor hyper = AdamHyper.allocate();
    AdamHyper.write(hyper, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.1f, 0.001f, 0.25f);
    be.optimizer().adamw(p1, g, m1, v1, hyper);
    Tensor scaled = g.copy();
    be.elementwise().scale(0.25f, scaled);
    AdamHyper.write(hyper, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.1f, 0.001f, 1f);
    be.optimizer().adamw(p2, scaled, m2, v2, hyper);
    assertArrayEquals(p2.toArray(), p1.toArray(), 0f);
    assertArrayEquals(m2.toArray(), m1.toArray(), 0f);
    assertArrayEquals(v2.toArray(), v1.toArray(), 0f);
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void firstStepIsTheSignedLearningRateStepPlusDecay(Backend be) {
    // t = 1: m/bc1 = g and sqrt(v/bc2) = |g|, so p' = p(1 - lr·wd) - lr·sign(g) (eps aside)
    Tensor p = Tensor.of(new float[] {1f, -2f}, 2);
    Tensor hyper = AdamHyper.write(AdamHyper.allocate(), 0.1f, 0.9f, 0.999f, 1e-8f, 0.01f, 0.1f, 0.001f, 1f);
    be.optimizer().adamw(p, Tensor.of(new float[] {0.5f, -3f}, 2), Tensor.zeros(2), Tensor.zeros(2), hyper);
    assertArrayEquals(new float[] {1f * (1 - 0.001f) - 0.1f, -2f * (1 - 0.001f) + 0.1f}, p.toArray(), 1e-6f);
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void mismatchedSizesAreRefused(Backend be) {
    Tensor hyper = AdamHyper.allocate();
    ShapeException e = assertThrows(ShapeException.class,
        () -> be.optimizer().adamw(Tensor.zeros(3), Tensor.zeros(3), Tensor.zeros(3), Tensor.zeros(2), hyper));
    assertTrue(e.getMessage().contains("adamw") && e.getMessage().contains("v [2]"), e.getMessage());
    e = assertThrows(ShapeException.class,
        () -> be.optimizer().adamw(Tensor.zeros(3), Tensor.zeros(3), Tensor.zeros(3), Tensor.zeros(3), Tensor.zeros(7)));
    assertTrue(e.getMessage().contains("hyper") && e.getMessage().contains("needs 8"), e.getMessage());
  }
}
