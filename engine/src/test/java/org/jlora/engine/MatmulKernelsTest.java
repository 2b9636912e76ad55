package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The matmul family's tensor door on both backends: shapes, transposes, batches, accumulation, errors. */
class MatmulKernelsTest {
  private static final float EPS = 1e-5f;

  /** [[1, 2, 3], [4, 5, 6]]: a small matrix whose products are easy to check by hand. */
  private static Tensor a23() {
    return Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void multipliesSmallMatricesByHand(Backend be) {
    Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2); // [[1, 0], [0, 1], [1, 1]]
    Tensor c = be.matmul().matmul(a23(), false, b, false);
    assertArrayEquals(new int[] {2, 2}, c.shape());
    assertArrayEquals(new float[] {4, 5, 10, 11}, c.toArray(), EPS);
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void leadingDimensionsOfAAreRows(Backend be) {
    Tensor x = Tensor.randn(new Rng(1), 2, 3, 4);
    Tensor w = Tensor.randn(new Rng(2), 4, 5);
    Tensor y = Tensor.zeros(2, 3, 5);
    be.matmul().matmul(x, false, w, false, y, false);
    Tensor flat = be.matmul().matmul(x.reshape(6, 4), false, w, false);
    assertArrayEquals(flat.toArray(), y.toArray(), 0f);
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void transposedOperandsAreReadInPlace(Backend be) {
    Rng rng = new Rng(3);
    Tensor a = Tensor.randn(rng, 5, 7);   // [m, k]
    Tensor b = Tensor.randn(rng, 7, 6);   // [k, n]
    MatmulKernels mm = be.matmul();
    Tensor expected = mm.matmul(a, false, b, false);
    Tensor aT = transpose(a), bT = transpose(b);
    assertArrayEquals(expected.toArray(), mm.matmul(aT, true, b, false).toArray(), EPS);
    assertArrayEquals(expected.toArray(), mm.matmul(a, false, bT, true).toArray(), EPS);
    assertArrayEquals(expected.toArray(), mm.matmul(aT, true, bT, true).toArray(), EPS);
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void outputViewsAreOverwrittenOrAccumulated(Backend be) {
    Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
    float[] storage = {9, 9, 9, 9, 9, 9};
    Tensor out = Tensor.view(storage, 1, 2, 2); // a view at offset 1
    be.matmul().matmul(a23(), false, b, false, out, false);
    assertArrayEquals(new float[] {9, 4, 5, 10, 11, 9}, storage, EPS);
    be.matmul().matmul(a23(), false, b, false, out, true);
    assertArrayEquals(new float[] {9, 8, 10, 20, 22, 9}, storage, EPS);
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void batchesMultiplyEachMatrixAndMayShareB(Backend be) {
    Rng rng = new Rng(4);
    MatmulKernels mm = be.matmul();
    Tensor a = Tensor.randn(rng, 3, 4, 5);
    Tensor kStored = Tensor.randn(rng, 3, 2, 5);
    // attention's scores: q [B, T, hd] x k [B, T, hd] read as kᵀ
    Tensor scores = Tensor.zeros(3, 4, 2);
    mm.matmul(3, 4, 2, 5, a, false, kStored, true, false, scores, false);
    for (int i = 0; i < 3; i++) {
      Tensor si = mm.matmul(slice(a, i), false, slice(kStored, i), true);
      assertArrayEquals(si.toArray(), slice(scores, i).toArray(), EPS, "batch " + i);
    }
    // one b shared by every matrix of the batch, accumulated twice
    Tensor w = Tensor.randn(rng, 5, 2);
    Tensor shared = Tensor.zeros(3, 4, 2);
    mm.matmul(3, 4, 2, 5, a, false, w, false, true, shared, false);
    mm.matmul(3, 4, 2, 5, a, false, w, false, true, shared, true);
    for (int i = 0; i < 3; i++) {
      float[] once = mm.matmul(slice(a, i), false, w, false).toArray();
      float[] twice = slice(shared, i).toArray();
      for (int j = 0; j < once.length; j++) assertEquals(2 * once[j], twice[j], 1e-4f);
    }
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void mismatchedShapesNameTheOperationAndTheShapes(Backend be) {
    MatmulKernels mm = be.matmul();
    ShapeException e = assertThrows(ShapeException.class,
        () -> mm.matmul(Tensor.zeros(2, 3), false, Tensor.zeros(4, 5), false));
    assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[2, 3]")
        && e.getMessage().contains("[4, 5]") && e.getMessage().contains("inner dimensions 3 and 4"), e.getMessage());

    e = assertThrows(ShapeException.class,
        () -> mm.matmul(Tensor.zeros(3, 2), true, Tensor.zeros(5, 4), true));
    assertTrue(e.getMessage().contains("[3, 2] (transposed)") && e.getMessage().contains("[5, 4] (transposed)")
        && e.getMessage().contains("inner dimensions 3 and 4"), e.getMessage());

    e = assertThrows(ShapeException.class,
        () -> mm.matmul(Tensor.zeros(2, 3, 4), true, Tensor.zeros(4, 5), false));
    assertTrue(e.getMessage().contains("[2, 3, 4]"), e.getMessage());

    e = assertThrows(ShapeException.class,
        () -> mm.matmul(Tensor.zeros(2, 3), false, Tensor.zeros(3, 4), false, Tensor.zeros(2, 5), false));
    assertTrue(e.getMessage().contains("[2, 5]") && e.getMessage().contains("gives [2, 4]"), e.getMessage());

    // the kernel form: each window must hold exactly what the dimensions say
    e = assertThrows(ShapeException.class, () -> mm.matmul(2, 3, 4, 5, Tensor.zeros(2, 3, 5), false,
        Tensor.zeros(2, 5, 4), false, false, Tensor.zeros(2, 3, 3), false));
    assertTrue(e.getMessage().contains("matmul: c [2, 3, 3]") && e.getMessage().contains("needs 24"), e.getMessage());
    e = assertThrows(ShapeException.class, () -> mm.matmul(2, 3, 4, 5, Tensor.zeros(2, 3, 5), false,
        Tensor.zeros(2, 5, 4), false, true, Tensor.zeros(2, 3, 4), false));
    assertTrue(e.getMessage().contains("matmul: b [2, 5, 4]") && e.getMessage().contains("needs 20"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> mm.matmul(-1, 1, 1, 1, Tensor.zeros(0), false,
        Tensor.zeros(1), false, true, Tensor.zeros(0), false));
  }

  private static Tensor transpose(Tensor x) {
    int r = x.dim(0), c = x.dim(1);
    Tensor t = Tensor.zeros(c, r);
    for (int i = 0; i < r; i++) {
      for (int j = 0; j < c; j++) t.set(j * r + i, x.at(i, j));
    }
    return t;
  }

  private static Tensor slice(Tensor x, int i) {
    return x.rows(i, i + 1).reshape(x.dim(1), x.dim(2));
  }
}
