package org.jlora.engine;

import static org.jlora.engine.ElementwiseKernelsTest.VLEN;
import static org.jlora.engine.KernelFixtures.SCALAR;
import static org.jlora.engine.KernelFixtures.VECTOR;
import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.assertWindowOnly;
import static org.jlora.engine.KernelFixtures.randn;
import static org.jlora.engine.KernelFixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** Head layout moves: each element lands where the definition says, scaled, and vector = scalar bit for bit. */
class HeadsKernelsTest {
  static final int B = 2, T = 5, HX = 3, D = VLEN + 3;

  @Test
  void toHeadsReadsKeyValueHeadHOverGroupAndScales() {
    int h = 2 * HX;
    Tensor x = randn(new Rng(1), 1f, 3, B, T, HX, D);
    Tensor scalar = zeros(2, B, h, T, D), vector = zeros(1, B, h, T, D);
    SCALAR.attention().toHeads(x, 0, 0.3f, scalar);
    VECTOR.attention().toHeads(x, 0, 0.3f, vector);
    assertSameBits("toHeads vector vs scalar", scalar, vector);
    assertWindowOnly("toHeads", vector);
    for (int bi = 0; bi < B; bi++)
      for (int hi = 0; hi < h; hi++)
        for (int ti = 0; ti < T; ti++)
          for (int e = 0; e < D; e++)
            assertEquals(0.3f * x.at(bi, ti, hi / 2, e), vector.at(bi, hi, ti, e));
  }

  @Test
  void fromHeadsSumsEachGroupsCopiesThenScales() {
    int group = 3, h = group * HX;
    Tensor x = randn(new Rng(2), 1f, 3, B, T, HX, D);
    Tensor heads = zeros(0, B, h, T, D);
    VECTOR.attention().toHeads(x, 0, 1f, heads);
    Tensor scalar = randn(new Rng(9), 1f, 2, B, T, HX, D), vector = randn(new Rng(9), 1f, 4, B, T, HX, D);
    SCALAR.attention().fromHeads(heads, 0, 0.25f, scalar);   // written, not added: old values must not matter
    VECTOR.attention().fromHeads(heads, 0, 0.25f, vector);
    assertSameBits("fromHeads vector vs scalar", scalar, vector);
    assertWindowOnly("fromHeads", vector);
    // x + x + x rounds like 3·x, and a quarter is exact
    for (int i = 0; i < x.size(); i++) assertEquals(3f * x.get(i) * 0.25f, vector.get(i), "at " + i);
  }

  @Test
  void aFusedRowMovesOnlyItsPart() {
    int parts = 3;
    Tensor qkv = randn(new Rng(3), 1f, 1, B, T, parts, HX, D);
    Tensor k = zeros(0, B, HX, T, D);
    VECTOR.attention().toHeads(qkv, 1, 1f, k);
    for (int bi = 0; bi < B; bi++)
      for (int hi = 0; hi < HX; hi++)
        for (int ti = 0; ti < T; ti++)
          for (int e = 0; e < D; e++) assertEquals(qkv.at(bi, ti, 1, hi, e), k.at(bi, hi, ti, e));
    Tensor rows = zeros(2, B, T, parts, HX, D);
    Tensor rowsScalar = zeros(2, B, T, parts, HX, D);
    VECTOR.attention().fromHeads(k, 2, 2f, rows);
    SCALAR.attention().fromHeads(k, 2, 2f, rowsScalar);
    assertSameBits("fused fromHeads vector vs scalar", rowsScalar, rows);
    for (int bi = 0; bi < B; bi++)
      for (int ti = 0; ti < T; ti++)
        for (int hi = 0; hi < HX; hi++)
          for (int e = 0; e < D; e++) {
            assertEquals(0f, rows.at(bi, ti, 0, hi, e));
            assertEquals(0f, rows.at(bi, ti, 1, hi, e));
            assertEquals(2f * k.at(bi, hi, ti, e), rows.at(bi, ti, 2, hi, e));
          }
  }

  @Test
  void refusesHeadCountsThatDoNotDivide() {
    Tensor x = Tensor.zeros(B, T, 2, D);
    assertThrows(ShapeException.class, () -> VECTOR.attention().toHeads(x, 0, 1f, Tensor.zeros(B, 3, T, D)));
    assertThrows(ShapeException.class, () -> SCALAR.attention().toHeads(x, 1, 1f, Tensor.zeros(B, 4, T, D)));
  }
}
