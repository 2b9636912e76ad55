package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The tensor-level facade: shapes in and out, transposes, batches, accumulation, and its errors. */
class MatMulTest {
  private static final float EPS = 1e-5f;

  /** [[1, 2, 3], [4, 5, 6]]: a small matrix whose products are easy to check by hand. */
  private static Tensor a23() {
    return Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
  }

  @Test
  void multipliesSmallMatricesByHand() {
    Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2); // [[1, 0], [0, 1], [1, 1]]
    Tensor c = MatMul.matmul(a23(), b);
    assertArrayEquals(new int[] {2, 2}, c.shape());
    assertArrayEquals(new float[] {4, 5, 10, 11}, c.toArray(), EPS);
  }

  @Test
  void leadingDimensionsOfAAreRows() {
    Tensor x = Tensor.randn(new Rng(1), 2, 3, 4);
    Tensor w = Tensor.randn(new Rng(2), 4, 5);
    Tensor y = MatMul.matmul(x, w);
    assertArrayEquals(new int[] {2, 3, 5}, y.shape());
    Tensor flat = MatMul.matmul(x.reshape(6, 4), w);
    assertArrayEquals(flat.toArray(), y.toArray(), 0f);
  }

  @Test
  void transposedOperandsAreReadInPlace() {
    Rng rng = new Rng(3);
    Tensor a = Tensor.randn(rng, 5, 7);   // [m, k]
    Tensor b = Tensor.randn(rng, 7, 6);   // [k, n]
    Tensor expected = MatMul.matmul(a, b);
    Tensor aT = transpose(a), bT = transpose(b);
    assertArrayEquals(expected.toArray(), MatMul.matmul(aT, true, b, false).toArray(), EPS);
    assertArrayEquals(expected.toArray(), MatMul.matmul(a, false, bT, true).toArray(), EPS);
    assertArrayEquals(expected.toArray(), MatMul.matmul(aT, true, bT, true).toArray(), EPS);
  }

  @Test
  void matmulIntoOverwritesOrAccumulatesAndRespectsViews() {
    Tensor b = Tensor.of(new float[] {1, 0, 0, 1, 1, 1}, 3, 2);
    float[] storage = {9, 9, 9, 9, 9, 9};
    Tensor out = Tensor.view(storage, 1, 2, 2); // a view at offset 1
    MatMul.matmulInto(a23(), false, b, false, out, false);
    assertArrayEquals(new float[] {9, 4, 5, 10, 11, 9}, storage, EPS);
    MatMul.matmulInto(a23(), false, b, false, out, true);
    assertArrayEquals(new float[] {9, 8, 10, 20, 22, 9}, storage, EPS);
  }

  @Test
  void bmmMultipliesEachMatrixOfTheBatch() {
    Rng rng = new Rng(4);
    Tensor a = Tensor.randn(rng, 3, 4, 5);
    Tensor b = Tensor.randn(rng, 3, 5, 2);
    Tensor c = MatMul.bmm(a, false, b, false);
    assertArrayEquals(new int[] {3, 4, 2}, c.shape());
    for (int i = 0; i < 3; i++) {
      Tensor ci = MatMul.matmul(slice(a, i), slice(b, i));
      assertArrayEquals(ci.toArray(), slice(c, i).toArray(), EPS, "batch " + i);
    }
    // attention's scores: q [B, T, hd] x k [B, T, hd] read as kᵀ
    Tensor kStored = Tensor.randn(rng, 3, 2, 5);
    Tensor scores = MatMul.bmm(a, false, kStored, true);
    assertArrayEquals(new int[] {3, 4, 2}, scores.shape());
    for (int i = 0; i < 3; i++) {
      Tensor si = MatMul.matmul(slice(a, i), false, slice(kStored, i), true);
      assertArrayEquals(si.toArray(), slice(scores, i).toArray(), EPS, "batch " + i);
    }
    // a 2-d b is shared by every matrix of the batch; bmmInto accumulates
    Tensor w = Tensor.randn(rng, 5, 2);
    Tensor shared = MatMul.bmm(a, false, w, false);
    MatMul.bmmInto(a, false, w, false, shared, true);
    for (int i = 0; i < 3; i++) {
      float[] once = MatMul.matmul(slice(a, i), w).toArray();
      float[] twice = slice(shared, i).toArray();
      for (int j = 0; j < once.length; j++) assertEquals(2 * once[j], twice[j], 1e-4f);
    }
  }

  @Test
  void mismatchedShapesNameTheOperationAndBothShapes() {
    ShapeException e = assertThrows(ShapeException.class,
        () -> MatMul.matmul(Tensor.zeros(2, 3), Tensor.zeros(4, 5)));
    assertTrue(e.getMessage().contains("matmul") && e.getMessage().contains("[2, 3]")
        && e.getMessage().contains("[4, 5]") && e.getMessage().contains("inner dimensions 3 and 4"), e.getMessage());

    e = assertThrows(ShapeException.class,
        () -> MatMul.matmul(Tensor.zeros(3, 2), true, Tensor.zeros(5, 4), true));
    assertTrue(e.getMessage().contains("[3, 2] (transposed)") && e.getMessage().contains("[5, 4] (transposed)")
        && e.getMessage().contains("inner dimensions 3 and 4"), e.getMessage());

    e = assertThrows(ShapeException.class,
        () -> MatMul.matmul(Tensor.zeros(2, 3, 4), true, Tensor.zeros(4, 5), false));
    assertTrue(e.getMessage().contains("[2, 3, 4]"), e.getMessage());

    e = assertThrows(ShapeException.class,
        () -> MatMul.matmulInto(Tensor.zeros(2, 3), false, Tensor.zeros(3, 4), false, Tensor.zeros(2, 5), false));
    assertTrue(e.getMessage().contains("matmulInto") && e.getMessage().contains("[2, 5]")
        && e.getMessage().contains("gives [2, 4]"), e.getMessage());

    e = assertThrows(ShapeException.class,
        () -> MatMul.bmm(Tensor.zeros(2, 3, 4), false, Tensor.zeros(3, 4, 5), false));
    assertTrue(e.getMessage().contains("batch sizes differ") && e.getMessage().contains("[2, 3, 4]")
        && e.getMessage().contains("[3, 4, 5]"), e.getMessage());

    e = assertThrows(ShapeException.class,
        () -> MatMul.bmm(Tensor.zeros(3, 4), false, Tensor.zeros(4, 5), false));
    assertTrue(e.getMessage().contains("bmm") && e.getMessage().contains("3-d"), e.getMessage());

    e = assertThrows(ShapeException.class,
        () -> MatMul.bmm(Tensor.zeros(2, 3, 4), false, Tensor.zeros(2, 5, 4), false));
    assertTrue(e.getMessage().contains("inner dimensions 4 and 5"), e.getMessage());
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
