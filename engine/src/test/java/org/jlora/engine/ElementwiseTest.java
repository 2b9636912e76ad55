package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Elementwise facade on both backends: broadcasting, shape errors, in-place forms. */
class ElementwiseTest {
  private Backend previous;

  void use(String backend) {
    previous = Backends.use(backend);
  }

  @AfterEach
  void restore() {
    if (previous != null) Backends.set(previous);
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void biasBroadcastsOverLeadingAxes(String backend) {
    use(backend);
    Tensor x = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, 2, 2, 3);   // [B=2, T=2, C=3]
    Tensor bias = Tensor.of(new float[] {100, 200, 300}, 3);
    Tensor y = Elementwise.add(x, bias);
    assertArrayEquals(new int[] {2, 2, 3}, y.shape());
    assertArrayEquals(new float[] {101, 202, 303, 104, 205, 306, 107, 208, 309, 110, 211, 312}, y.toArray());
    assertArrayEquals(new float[] {99, 198, 297, 96, 195, 294, 93, 192, 291, 90, 189, 288},
        Elementwise.sub(bias, x).toArray());
    Tensor perTime = Tensor.of(new float[] {1, 1, 1, 2, 2, 2}, 1, 2, 3);                     // [1, T, C]
    assertArrayEquals(new float[] {1, 2, 3, 8, 10, 12, 7, 8, 9, 20, 22, 24}, Elementwise.mul(x, perTime).toArray());
    Tensor two = Tensor.full(2f, 1);
    assertArrayEquals(new float[] {0.5f, 1, 1.5f}, Elementwise.div(x.rows(0, 1).reshape(2, 3).rows(0, 1).reshape(3), two).toArray());
    assertArrayEquals(new float[] {100, 200, 300}, Elementwise.maximum(bias, x.rows(1, 2).reshape(2, 3).rows(1, 2).reshape(3)).toArray());
    assertArrayEquals(new float[] {10, 11, 12}, Elementwise.minimum(bias, x.rows(1, 2).reshape(2, 3).rows(1, 2).reshape(3)).toArray());
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void viewsWithOffsetsAndIntoForms(String backend) {
    use(backend);
    Tensor big = Tensor.arange(40).reshape(4, 10);
    Tensor a = big.rows(1, 3);                 // [2, 10], offset 10
    Tensor b = big.rows(3, 4).reshape(10);     // [10], offset 30
    Tensor out = Tensor.zeros(2, 10);
    assertSame(out, Elementwise.addInto(a, b, out));
    for (int i = 0; i < 20; i++) assertTrue(out.get(i) == (10 + i) + (30 + i % 10), "element " + i);
    Elementwise.mulInto(a, b, a);              // in place into a view: big's rows 1..2 change
    assertTrue(big.get(10) == 10 * 30 && big.get(29) == 29 * 39 && big.get(9) == 9 && big.get(30) == 30);
    assertThrows(ShapeException.class, () -> Elementwise.addInto(a, b, Tensor.zeros(20)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void unaryScaleAndAxpy(String backend) {
    use(backend);
    Tensor x = Tensor.of(new float[] {-2, -0.5f, 0, 3}, 2, 2);
    assertArrayEquals(new float[] {0, 0, 0, 3}, Elementwise.apply(UnaryOp.RELU, x).toArray());
    assertArrayEquals(new float[] {4, 0.25f, 0, 9}, Elementwise.apply(UnaryOp.SQUARE, x).toArray());
    assertArrayEquals(new float[] {-4, -1, 0, 6}, Elementwise.scale(x, 2f).toArray());
    assertArrayEquals(new float[] {-2, -0.5f, 0, 3}, x.toArray(), "scale leaves its input alone");
    Tensor y = Tensor.ones(2, 2);
    assertSame(y, Elementwise.axpy(0.5f, x, y));
    assertArrayEquals(new float[] {0, 0.75f, 1, 2.5f}, y.toArray());
    Elementwise.scaleInPlace(y, -1f);
    assertArrayEquals(new float[] {-0f, -0.75f, -1, -2.5f}, y.toArray());
    Elementwise.applyInto(UnaryOp.ABS, y, y);
    assertArrayEquals(new float[] {0, 0.75f, 1, 2.5f}, y.toArray());
    assertThrows(ShapeException.class, () -> Elementwise.axpy(1f, x, Tensor.zeros(4)));
    assertThrows(ShapeException.class, () -> Elementwise.applyInto(UnaryOp.EXP, x, Tensor.zeros(4)));
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void incompatibleShapesNameTheOpAndBothShapes(String backend) {
    use(backend);
    ShapeException e = assertThrows(ShapeException.class,
        () -> Elementwise.add(Tensor.zeros(2, 3, 4), Tensor.zeros(3)));
    assertTrue(e.getMessage().contains("add") && e.getMessage().contains("[2, 3, 4]") && e.getMessage().contains("[3]"),
        e.getMessage());
    assertThrows(ShapeException.class, () -> Elementwise.mul(Tensor.zeros(4, 3), Tensor.zeros(4, 1)));
    assertThrows(ShapeException.class, () -> Elementwise.maximum(Tensor.zeros(2, 3), Tensor.zeros(3, 2)));
    assertArrayEquals(new int[] {1, 2, 3}, Elementwise.add(Tensor.zeros(1, 1, 3), Tensor.zeros(2, 3)).shape());
  }
}
