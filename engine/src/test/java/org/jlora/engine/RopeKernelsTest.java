package org.jlora.engine;

import static org.jlora.engine.ElementwiseKernelsTest.VLEN;
import static org.jlora.engine.KernelFixtures.SCALAR;
import static org.jlora.engine.KernelFixtures.VECTOR;
import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.assertWindowOnly;
import static org.jlora.engine.KernelFixtures.randn;
import static org.jlora.engine.KernelFixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** RoPE kernels: the tables, vector = scalar bit for bit, in place, the backward as the adjoint, the two layouts. */
class RopeKernelsTest {
  static final int B = 2, T = 7, H = 3;
  static final int[] HEAD_SIZES = {2, 6, 2 * VLEN + 2, 4 * VLEN};

  @Test
  void tablesFollowHuggingFacesFloatArithmetic() {
    RopeTable tab = RopeTable.of(3, 2, 4, 10000f);
    // pair 0 turns by pos·1, pair 1 by pos·0.01 (1/10000^(2/4))
    assertEquals((float) Math.cos(3f), tab.cos().at(0, 0));
    assertEquals((float) Math.sin(4f), tab.sin().at(1, 0));
    assertEquals((float) Math.sin(4f * 0.01f), tab.sin().at(1, 1), 1e-7f);
  }

  @Test
  void vectorMatchesScalarBitForBitAndInPlace() {
    for (RopeLayout layout : RopeLayout.values()) {
      for (int d : HEAD_SIZES) {
        String at = layout + " D=" + d;
        RopeTable tab = RopeTable.of(5, T, d, 10000f);
        Tensor x = randn(new Rng(d), 1f, 3, B, T, H, d);
        Tensor scalar = zeros(1, B, T, H, d), vector = zeros(2, B, T, H, d);
        SCALAR.attention().ropeForward(x, tab.cos(), tab.sin(), layout, scalar);
        VECTOR.attention().ropeForward(x, tab.cos(), tab.sin(), layout, vector);
        assertSameBits("forward " + at, scalar, vector);
        assertWindowOnly("forward " + at, vector);
        Tensor inPlace = x.copy();
        VECTOR.attention().ropeForward(inPlace, tab.cos(), tab.sin(), layout, inPlace);
        assertSameBits("forward in place " + at, scalar, inPlace);
        SCALAR.attention().ropeBackward(x, tab.cos(), tab.sin(), layout, scalar);
        VECTOR.attention().ropeBackward(x, tab.cos(), tab.sin(), layout, vector);
        assertSameBits("backward " + at, scalar, vector);
      }
    }
  }

  @Test
  void positionZeroIsTheIdentity() {
    RopeTable tab = RopeTable.of(0, T, 8, 10000f);
    Tensor x = randn(new Rng(4), 1f, 0, 1, T, H, 8);
    Tensor y = Tensor.zeros(1, T, H, 8);
    VECTOR.attention().ropeForward(x, tab.cos(), tab.sin(), RopeLayout.HALVES, y);
    for (int i = 0; i < H * 8; i++) assertEquals(x.get(i), y.get(i));
  }

  /** {@code <R x, g> = <x, Rᵀ g>}: backward is the transpose of forward, for any x and g. */
  @Test
  void backwardIsTheAdjointOfForward() {
    for (RopeLayout layout : RopeLayout.values()) {
      int d = 2 * VLEN + 2;
      RopeTable tab = RopeTable.of(11, T, d, 500f);
      Tensor x = randn(new Rng(5), 1f, 0, B, T, H, d), g = randn(new Rng(6), 1f, 0, B, T, H, d);
      Tensor rx = Tensor.zeros(B, T, H, d), rtg = Tensor.zeros(B, T, H, d);
      VECTOR.attention().ropeForward(x, tab.cos(), tab.sin(), layout, rx);
      VECTOR.attention().ropeBackward(g, tab.cos(), tab.sin(), layout, rtg);
      assertEquals(dot(rx, g), dot(x, rtg), 1e-4 * Math.sqrt(x.size()), layout.toString());
      // and a rotation keeps each head's length
      assertEquals(dot(x, x), dot(rx, rx), 1e-5 * dot(x, x), layout + " norm");
    }
  }

  /** Rotating interleaved pairs is rotating halves after moving feature 2i to i and 2i+1 to i + D/2. */
  @Test
  void theLayoutsAreOneRotationUpToAPermutation() {
    int d = 2 * VLEN + 2, half = d / 2;
    RopeTable tab = RopeTable.of(2, T, d, 10000f);
    Tensor x = randn(new Rng(7), 1f, 0, B, T, H, d);
    Tensor permuted = Tensor.zeros(B, T, H, d);
    for (int row = 0; row < B * T * H; row++) {
      for (int i = 0; i < half; i++) {
        permuted.set(row * d + i, x.get(row * d + 2 * i));
        permuted.set(row * d + half + i, x.get(row * d + 2 * i + 1));
      }
    }
    Tensor yi = Tensor.zeros(B, T, H, d), yh = Tensor.zeros(B, T, H, d);
    VECTOR.attention().ropeForward(x, tab.cos(), tab.sin(), RopeLayout.INTERLEAVED, yi);
    VECTOR.attention().ropeForward(permuted, tab.cos(), tab.sin(), RopeLayout.HALVES, yh);
    for (int row = 0; row < B * T * H; row++) {
      for (int i = 0; i < half; i++) {
        assertEquals(yi.get(row * d + 2 * i), yh.get(row * d + i));
        assertEquals(yi.get(row * d + 2 * i + 1), yh.get(row * d + half + i));
      }
    }
  }

  static double dot(Tensor a, Tensor b) {
    double s = 0;
    for (int i = 0; i < a.size(); i++) s += (double) a.get(i) * b.get(i);
    return s;
  }
}
