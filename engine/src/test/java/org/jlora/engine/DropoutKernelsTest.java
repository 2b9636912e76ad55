package org.jlora.engine;

import static org.jlora.engine.KernelFixtures.SCALAR;
import static org.jlora.engine.KernelFixtures.VECTOR;
import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.randn;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Dropout with a given mask: the mask's values and rate, the seed's reproducibility, vector = scalar. */
class DropoutKernelsTest {
  @Test
  void maskKeepsAboutOneMinusPScaledByItsInverse() {
    int n = 100_000;
    Tensor mask = Tensor.zeros(n);
    mask.copyFrom(DropoutMask.draw(new Rng(1), 0.25f, mask.shape()));
    int kept = 0;
    for (int i = 0; i < n; i++) {
      float m = mask.get(i);
      assertTrue(m == 0f || m == 1f / 0.75f, "mask value " + m);
      if (m != 0f) kept++;
    }
    assertEquals(0.75, kept / (double) n, 0.01);
    Tensor again = Tensor.zeros(n);
    again.copyFrom(DropoutMask.draw(new Rng(1), 0.25f, again.shape()));
    assertSameBits("same seed, same mask", mask, again);
  }

  @Test
  void vectorProductIsTheScalarOne() {
    int n = 70_001;
    Rng rng = new Rng(2);
    Tensor x = randn(rng, 1f, 3, n), mask = Tensor.zeros(n);
    mask.copyFrom(DropoutMask.draw(rng, 0.1f, mask.shape()));
    Tensor ys = Tensor.zeros(n), yv = Tensor.zeros(n);
    SCALAR.elementwise().dropout(x, mask, ys);
    VECTOR.elementwise().dropout(x, mask, yv);
    assertSameBits("y", ys, yv);
    for (int i : new int[] {0, 17, n - 1}) assertEquals(x.get(i) * mask.get(i), yv.get(i));
  }
}
