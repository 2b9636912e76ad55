package org.jlora.engine;

import static org.jlora.engine.KernelFixtures.SCALAR;
import static org.jlora.engine.KernelFixtures.VECTOR;
import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.assertWindowOnly;
import static org.jlora.engine.KernelFixtures.randn;
import static org.jlora.engine.KernelFixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.Test;

/** The strided copy: a permute, a slice, a broadcast and its adjoint (a sum over a zero destination stride). */
class CopyStridedTest {

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void permuteMovesEveryElementWhereItsIndexSays(Backend be) {
    int a = 3, b = 70, c = 5;   // x [a, b, c] -> y [c, a, b]: y[k, i, j] = x[i, j, k]
    Tensor x = randn(new Rng(1), 1f, 2, a, b, c);
    Tensor y = zeros(3, c, a, b);
    be.elementwise().copyStrided(new int[] {c, a, b}, x, 0, new int[] {1, b * c, c}, y, 0, new int[] {a * b, b, 1}, false);
    for (int i = 0; i < a; i++)
      for (int j = 0; j < b; j++)
        for (int k = 0; k < c; k++) assertEquals(x.at(i, j, k), y.at(k, i, j));
    assertWindowOnly("permute", y);
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void aSliceCopiesAndItsGradientAddsBack(Backend be) {
    Tensor x = randn(new Rng(2), 1f, 1, 4, 9, 6);   // slice [2, 7) along axis 1
    Tensor y = zeros(0, 4, 5, 6);
    be.elementwise().copyStrided(new int[] {4, 5 * 6}, x, 2 * 6, new int[] {9 * 6, 1}, y, 0, new int[] {5 * 6, 1}, false);
    for (int o = 0; o < 4; o++)
      for (int l = 0; l < 5; l++)
        for (int i = 0; i < 6; i++) assertEquals(x.at(o, l + 2, i), y.at(o, l, i));
    Tensor dx = Tensor.ones(4, 9, 6);
    be.elementwise().copyStrided(new int[] {4, 5 * 6}, y, 0, new int[] {5 * 6, 1}, dx, 2 * 6, new int[] {9 * 6, 1}, true);
    for (int o = 0; o < 4; o++)
      for (int l = 0; l < 9; l++)
        for (int i = 0; i < 6; i++) {
          float expected = l >= 2 && l < 7 ? 1f + x.at(o, l, i) : 1f;
          assertEquals(expected, dx.at(o, l, i));
        }
  }

  @Test
  void aBroadcastAndItsAdjointMatchTheScalarTwinBitForBit() {
    // b [3, 1, 5] broadcast to [3, 40, 5], and the gradient summed back over the 40 copies
    Tensor b = randn(new Rng(3), 1f, 1, 3, 1, 5);
    Tensor g = randn(new Rng(4), 1f, 2, 3, 40, 5);
    int[] shape = {3, 40, 5};
    int[] bStrides = {5, 0, 1};
    int[] dense = {200, 5, 1};
    Tensor[] spread = {zeros(1, 3, 40, 5), zeros(1, 3, 40, 5)};
    Tensor[] summed = {Tensor.zeros(3, 1, 5), Tensor.zeros(3, 1, 5)};
    Backend[] both = {SCALAR, VECTOR};
    for (int i = 0; i < 2; i++) {
      both[i].elementwise().copyStrided(shape, b, 0, bStrides, spread[i], 0, dense, false);
      both[i].elementwise().copyStrided(shape, g, 0, dense, summed[i], 0, bStrides, true);
    }
    assertSameBits("broadcast", spread[0], spread[1]);
    assertSameBits("sum over the broadcast axis", summed[0], summed[1]);
    for (int o = 0; o < 3; o++)
      for (int i = 0; i < 5; i++) {
        float s = 0f;
        for (int l = 0; l < 40; l++) s += g.at(o, l, i);   // the row-major order of the walk
        assertEquals(s, summed[1].at(o, 0, i));
        assertEquals(b.at(o, 0, i), spread[1].at(o, 17, i));
      }
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void refusesAWalkThatLeavesAWindow(Backend be) {
    Tensor x = Tensor.zeros(4, 5);
    assertThrows(ShapeException.class,
        () -> be.elementwise().copyStrided(new int[] {5, 4}, x, 1, new int[] {1, 5}, Tensor.zeros(5, 4), 0, new int[] {4, 1}, false));
    assertThrows(ShapeException.class,
        () -> be.elementwise().copyStrided(new int[] {4, 5}, x, 0, new int[] {5, -1}, Tensor.zeros(4, 5), 0, new int[] {5, 1}, false));
  }
}
