package org.jlora.engine;

import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jlora.engine.kernels.DropoutScalar;
import org.jlora.engine.kernels.DropoutVector;
import org.junit.jupiter.api.Test;

/** Dropout with a given mask: the mask's values and rate, the seed's reproducibility, vector = scalar. */
class DropoutKernelsTest {
  @Test
  void maskKeepsAboutOneMinusPScaledByItsInverse() {
    int n = 100_000;
    Tensor mask = Tensor.zeros(n);
    DropoutScalar.fillMask(new Rng(1), 0.25f, mask);
    int kept = 0;
    for (int i = 0; i < n; i++) {
      float m = mask.get(i);
      assertTrue(m == 0f || m == 1f / 0.75f, "mask value " + m);
      if (m != 0f) kept++;
    }
    assertEquals(0.75, kept / (double) n, 0.01);
    Tensor again = Tensor.zeros(n);
    DropoutScalar.fillMask(new Rng(1), 0.25f, again);
    assertSameBits("same seed, same mask", mask, again);
  }

  @Test
  void vectorProductIsTheScalarOne() {
    int n = 70_001;
    Rng rng = new Rng(2);
    Tensor x = randn(rng, 1f, 3, n), mask = Tensor.zeros(n);
    DropoutScalar.fillMask(rng, 0.1f, mask);
    Tensor ys = Tensor.zeros(n), yv = Tensor.zeros(n);
    DropoutScalar.apply(x, mask, ys);
    DropoutVector.apply(x, mask, yv);
    assertSameBits("y", ys, yv);
    for (int i : new int[] {0, 17, n - 1}) assertEquals(x.get(i) * mask.get(i), yv.get(i));
  }
}
