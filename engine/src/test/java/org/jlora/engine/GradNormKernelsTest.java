package org.jlora.engine;

import static org.jlora.engine.ElementwiseKernelsTest.VLEN;
import static org.jlora.engine.KernelFixtures.SCALAR;
import static org.jlora.engine.KernelFixtures.VECTOR;
import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Gradient-norm clipping kernels: the sum of squares, the coefficient, the scale, and thread-count independence. */
class GradNormKernelsTest {
  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  static List<Tensor> gradients(Rng rng) {
    List<Tensor> list = new ArrayList<>();
    for (int n : new int[] {1, VLEN + 3, 0, 4096, 4097, 70_001, 3 * VLEN + 1}) list.add(randn(rng, 0.1f, 2, n));
    return list;
  }

  @Test
  void sumOfSquaresVectorNearScalarAndIndependentOfThreads() {
    List<Tensor> grads = gradients(new Rng(1));
    double exact = 0;
    for (Tensor g : grads) for (int i = 0; i < g.size(); i++) exact += (double) g.get(i) * g.get(i);
    Tensor s = Tensor.zeros(1), v1 = Tensor.zeros(1), vn = Tensor.zeros(1);
    SCALAR.reductions().sumOfSquares(grads, s);
    assertEquals((float) exact, s.get(0));   // GradClip's order: its sum, stored as a float
    Parallel.setThreads(1);
    VECTOR.reductions().sumOfSquares(grads, v1);
    Parallel.setThreads(Math.max(4, Runtime.getRuntime().availableProcessors()));
    VECTOR.reductions().sumOfSquares(grads, vn);
    assertSameBits("threads", v1, vn);
    assertEquals(s.get(0), vn.get(0), Math.ulp(s.get(0)));
  }

  @Test
  void coefficientClipsOnlyAboveMaxNormAndNeverOnNaN() {
    Tensor norm = Tensor.zeros(1), coef = Tensor.zeros(1);
    SCALAR.optimizer().clipCoefficient(Tensor.of(new float[] {25f}, 1), 1f, norm, coef);   // norm 5
    assertEquals(5f, norm.get(0));
    assertEquals((float) (1.0 / (5 + 1e-6)), coef.get(0));
    SCALAR.optimizer().clipCoefficient(Tensor.of(new float[] {0.25f}, 1), 1f, norm, coef);  // norm 0.5: no clip
    assertEquals(1f, coef.get(0));
    SCALAR.optimizer().clipCoefficient(Tensor.of(new float[] {Float.NaN}, 1), 1f, norm, coef);
    assertEquals(1f, coef.get(0));
    assertEquals(Float.NaN, norm.get(0));
  }

  @Test
  void clippedGradientsHaveTheMaxNorm() {
    List<Tensor> s = gradients(new Rng(2)), v = new ArrayList<>();
    for (Tensor g : s) v.add(g.copy());
    Tensor ss = Tensor.zeros(1), norm = Tensor.zeros(1), coef = Tensor.zeros(1);
    VECTOR.reductions().sumOfSquares(v, ss);
    SCALAR.optimizer().clipCoefficient(ss, 2f, norm, coef);
    for (Tensor g : v) VECTOR.elementwise().binary(BinaryOp.MUL, g, coef, g);
    for (Tensor g : s) SCALAR.elementwise().binary(BinaryOp.MUL, g, coef, g);
    for (int i = 0; i < s.size(); i++) assertSameBits("tensor " + i, s.get(i), v.get(i));
    SCALAR.reductions().sumOfSquares(v, ss);
    assertEquals(2.0, Math.sqrt(ss.get(0)), 1e-5);
  }
}
