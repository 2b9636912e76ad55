package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The elementwise family's tensor door on both backends: repeating windows, views, in place, errors. */
class ElementwiseTest {
  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void shorterOperandsRepeatOverTheOutput(Backend be) {
    ElementwiseKernels ew = be.elementwise();
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 3);   // [B=2, T=2, C=3]
    Tensor bias = Tensor.of(new float[] {100, 200, 300}, 3);
    Tensor y = Tensor.zeros(2, 2, 3);
    ew.binary(BinaryOp.ADD, x, bias, y);
    assertArrayEquals(new float[] {101, 202, 303, 104, 205, 306, 107, 208, 309, 110, 211, 312}, y.toArray());
    ew.binary(BinaryOp.SUB, bias, x, y);
    assertArrayEquals(new float[] {99, 198, 297, 96, 195, 294, 93, 192, 291, 90, 189, 288}, y.toArray());
    Tensor perTime = Tensor.of(new float[] {1, 1, 1, 2, 2, 2}, 1, 2, 3);                     // [1, T, C]
    ew.binary(BinaryOp.MUL, x, perTime, y);
    assertArrayEquals(new float[] {1, 2, 3, 8, 10, 12, 7, 8, 9, 20, 22, 24}, y.toArray());
    Tensor three = Tensor.zeros(3);
    ew.binary(BinaryOp.DIV, x.window(0, 3), Tensor.full(2f, 1), three);
    assertArrayEquals(new float[] {0.5f, 1, 1.5f}, three.toArray());
    ew.binary(BinaryOp.MAX, bias, x.window(9, 3), three);
    assertArrayEquals(new float[] {100, 200, 300}, three.toArray());
    ew.binary(BinaryOp.MIN, bias, x.window(9, 3), three);
    assertArrayEquals(new float[] {10, 11, 12}, three.toArray());
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void viewsWithOffsetsAndInPlace(Backend be) {
    ElementwiseKernels ew = be.elementwise();
    Tensor big = Tensor.arange(40).reshape(4, 10);
    Tensor a = big.rows(1, 3);                 // [2, 10], offset 10
    Tensor b = big.rows(3, 4).reshape(10);     // [10], offset 30
    Tensor out = Tensor.zeros(2, 10);
    ew.binary(BinaryOp.ADD, a, b, out);
    for (int i = 0; i < 20; i++) assertTrue(out.get(i) == (10 + i) + (30 + i % 10), "element " + i);
    ew.binary(BinaryOp.MUL, a, b, a);          // in place into a view: big's rows 1..2 change
    assertTrue(big.get(10) == 10 * 30 && big.get(29) == 29 * 39 && big.get(9) == 9 && big.get(30) == 30);
    ShapeException e = assertThrows(ShapeException.class, () -> ew.binary(BinaryOp.ADD, a, Tensor.zeros(3), out));
    assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[3]") && e.getMessage().contains("[2, 10]"),
        e.getMessage());
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void unaryScaleAxpyFillAndCopy(Backend be) {
    ElementwiseKernels ew = be.elementwise();
    Tensor x = Tensor.of(new float[] {-2, -0.5f, 0, 3}, 2, 2);
    Tensor y = Tensor.zeros(2, 2);
    ew.unary(UnaryOp.RELU, x, y);
    assertArrayEquals(new float[] {0, 0, 0, 3}, y.toArray());
    ew.unary(UnaryOp.SQUARE, x, y);
    assertArrayEquals(new float[] {4, 0.25f, 0, 9}, y.toArray());
    ew.fill(y, 1f);
    assertArrayEquals(new float[] {1, 1, 1, 1}, y.toArray());
    ew.axpy(0.5f, x, y);
    assertArrayEquals(new float[] {0, 0.75f, 1, 2.5f}, y.toArray());
    ew.scale(-1f, y);
    assertArrayEquals(new float[] {-0f, -0.75f, -1, -2.5f}, y.toArray());
    ew.unary(UnaryOp.ABS, y, y);
    assertArrayEquals(new float[] {0, 0.75f, 1, 2.5f}, y.toArray());
    Tensor dx = Tensor.ones(2, 2);
    ew.unaryBackward(UnaryOp.SQUARE, x, y, Tensor.ones(2, 2), dx, true);   // dx += 2x
    assertArrayEquals(new float[] {-3, 0, 1, 7}, dx.toArray());
    float[] storage = new float[6];
    ew.copy(x.reshape(4), Tensor.view(storage, 1, 4));
    assertArrayEquals(new float[] {0, -2, -0.5f, 0, 3, 0}, storage);
    assertThrows(ShapeException.class, () -> ew.axpy(1f, x, Tensor.zeros(3)));
    assertThrows(ShapeException.class, () -> ew.unary(UnaryOp.EXP, x, Tensor.zeros(5)));
    assertThrows(ShapeException.class, () -> ew.copy(x, Tensor.zeros(5)));
    assertThrows(ShapeException.class, () -> ew.unaryBackward(UnaryOp.EXP, x, y, Tensor.zeros(3), dx, false));
  }
}
