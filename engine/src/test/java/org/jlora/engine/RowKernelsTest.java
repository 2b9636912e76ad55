package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The row family's tensor door on both backends: softmax by hand, layer norm's statistics, errors. */
class RowKernelsTest {
  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void softmaxAlongRows(Backend be) {
    RowKernels rows = be.rows();
    Tensor x = Tensor.of(new float[] {0, 0, 1, 2, 1000, 1000}, 3, 2);
    Tensor y = Tensor.zeros(3, 2);
    rows.softmax(3, 2, x, y);
    float e = (float) (1 / (1 + Math.exp(1)));      // softmax([1, 2])[0]
    assertArrayEquals(new float[] {0.5f, 0.5f, e, 1 - e, 0.5f, 0.5f}, y.toArray(), 1e-7f);
    Tensor logY = Tensor.zeros(3, 2);
    rows.logSoftmax(3, 2, x, logY);
    for (int i = 0; i < 6; i++) assertEquals(Math.log(y.get(i)), logY.get(i), 1e-6);
    Tensor dy = Tensor.of(new float[] {1, 0, 0, 1, 2, 2}, 3, 2);
    // dx = y (dy - <dy, y>): a constant dy per row has zero gradient (softmax ignores shifts)
    Tensor dx = Tensor.zeros(3, 2);
    rows.softmaxBackward(3, 2, y, dy, dx, false);
    assertArrayEquals(new float[] {0.25f, -0.25f, -e * (1 - e), e * (1 - e), 0, 0}, dx.toArray(), 1e-6f);
    rows.logSoftmaxBackward(3, 2, logY, dy, dx, false);
    assertArrayEquals(new float[] {0.5f, -0.5f, -e, 1 - (1 - e), 0, 0}, dx.toArray(), 1e-6f);
    ShapeException ex = assertThrows(ShapeException.class, () -> rows.softmaxBackward(3, 2, y, Tensor.zeros(2, 4), dx, false));
    assertTrue(ex.getMessage().contains("softmaxBackward") && ex.getMessage().contains("[2, 4]"), ex.getMessage());
  }

  @ParameterizedTest
  @MethodSource(BothBackends.BOTH)
  void layerNormNormalisesEachRowAndItsBackwardSumsColumns(Backend be) {
    RowKernels rows = be.rows();
    Tensor x = Tensor.randn(new Rng(7), 2, 3, 5);
    Tensor gamma = Tensor.full(2f, 5);
    Tensor beta = Tensor.full(1f, 5);
    Tensor out = Tensor.zeros(2, 3, 5), mean = Tensor.zeros(6), rstd = Tensor.zeros(6);
    rows.layerNorm(6, 5, x, gamma, beta, 1e-5f, out, mean, rstd);
    for (int row = 0; row < 6; row++) {
      double m = 0, v = 0;
      for (int c = 0; c < 5; c++) m += (out.get(row * 5 + c) - 1) / 2;
      for (int c = 0; c < 5; c++) v += Math.pow((out.get(row * 5 + c) - 1) / 2 - m / 5, 2);
      assertEquals(0, m / 5, 1e-5, "normalised row has mean 0");
      assertEquals(1, v / 5, 1e-3, "normalised row has (biased) variance 1");
    }
    Tensor dy = Tensor.randn(new Rng(8), 2, 3, 5);
    Tensor dx = Tensor.zeros(2, 3, 5), dgamma = Tensor.zeros(5), dbeta = Tensor.zeros(5);
    rows.layerNormBackward(6, 5, x, gamma, mean, rstd, dy, dx, dgamma, dbeta, false);
    float dbeta0 = 0;
    for (int row = 0; row < 6; row++) dbeta0 += dy.get(row * 5);
    assertEquals(dbeta0, dbeta.get(0), 1e-5, "dbeta is the column sum of dy");
    // accumulate adds onto what is there; the parameter gradients may be skipped
    Tensor twice = dx.copy();
    rows.layerNormBackward(6, 5, x, gamma, mean, rstd, dy, twice, null, null, true);
    assertEquals(2 * dx.get(4), twice.get(4), 1e-6);
    ShapeException e = assertThrows(ShapeException.class,
        () -> rows.layerNorm(6, 5, x, Tensor.ones(4), null, 1e-5f, out, mean, rstd));
    assertTrue(e.getMessage().contains("layerNorm") && e.getMessage().contains("gamma [4]"), e.getMessage());
    e = assertThrows(ShapeException.class,
        () -> rows.layerNormBackward(6, 5, x, null, mean, rstd, Tensor.zeros(5, 5), dx, null, null, false));
    assertTrue(e.getMessage().contains("[5, 5]"), e.getMessage());
  }
}
