package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The reduction family's tensor door on both backends. */
class ReductionsTest {
  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void wholeWindowRowsAndColumns(Backend be) {
    ReductionKernels r = be.reductions();
    Tensor x = Tensor.of(new float[] {1, -2, 3, 4, 5, -6}, 2, 3);
    assertEquals(5.0, r.sum(x));
    assertEquals(5f, r.max(x));
    assertEquals(3.0, r.sum(x.rows(1, 2)), "a view sums only its window");
    Tensor rows = Tensor.zeros(2);
    r.sumRows(2, 3, x, rows);
    assertArrayEquals(new float[] {2, 3}, rows.toArray());
    r.maxRows(2, 3, x, rows);
    assertArrayEquals(new float[] {3, 5}, rows.toArray());
    Tensor cols = Tensor.ones(3);
    r.sumColumns(2, 3, x, cols, true);
    assertArrayEquals(new float[] {6, 4, -2}, cols.toArray());
    assertTrue(Float.isNaN(r.max(Tensor.of(new float[] {1, Float.NaN, 2}, 3))));
    assertEquals(Float.NEGATIVE_INFINITY, r.max(Tensor.zeros(0)));
    ShapeException e = assertThrows(ShapeException.class, () -> r.sumRows(3, 3, x, rows));
    assertTrue(e.getMessage().contains("sumRows") && e.getMessage().contains("[2, 3]"), e.getMessage());
    assertThrows(ShapeException.class, () -> r.sumColumns(2, 3, x, rows, false));
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void sumOfSquaresAndScaledSumWriteIntoAOneElementTensor(Backend be) {
    ReductionKernels r = be.reductions();
    Tensor out = Tensor.zeros(1);
    r.sumOfSquares(List.of(Tensor.of(new float[] {1, -2, 3}, 3), Tensor.of(new float[] {2}, 1)), out);
    assertEquals(18f, out.item());
    r.sum(Tensor.of(new float[] {1, -2, 3, 6}, 4), 0.25f, out);
    assertEquals(2f, out.item());
    // many blocks: the vector kernel's parallel split gives the scalar sum
    Tensor big = Tensor.randn(new Rng(5), 100_003);
    Tensor twin = Tensor.zeros(1);
    Backends.scalar().reductions().sumOfSquares(List.of(big), twin);
    r.sumOfSquares(List.of(big), out);
    assertEquals(twin.item(), out.item(), 1e-5f * twin.item());
    assertThrows(ShapeException.class, () -> r.sumOfSquares(List.of(big), Tensor.zeros(2)));
    assertThrows(ShapeException.class, () -> r.sum(big, 1f, Tensor.zeros(2)));
  }
}
