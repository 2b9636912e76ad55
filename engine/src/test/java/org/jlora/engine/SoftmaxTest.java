package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Softmax facade on both backends. */
class SoftmaxTest {
  private Backend previous;

  @AfterEach
  void restore() {
    if (previous != null) Backends.set(previous);
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void softmaxAlongTheLastAxis(String backend) {
    previous = Backends.use(backend);
    Tensor x = Tensor.of(new float[] {0, 0, 1, 2, 1000, 1000}, 3, 2);
    Tensor y = Softmax.softmax(x);
    assertArrayEquals(new int[] {3, 2}, y.shape());
    float e = (float) (1 / (1 + Math.exp(1)));      // softmax([1, 2])[0]
    assertArrayEquals(new float[] {0.5f, 0.5f, e, 1 - e, 0.5f, 0.5f}, y.toArray(), 1e-7f);
    Tensor logY = Softmax.logSoftmax(x);
    for (int i = 0; i < 6; i++) assertEquals(Math.log(y.get(i)), logY.get(i), 1e-6);
    Tensor dy = Tensor.of(new float[] {1, 0, 0, 1, 2, 2}, 3, 2);
    // dx = y (dy - <dy, y>): a constant dy per row has zero gradient (softmax ignores shifts)
    Tensor dx = Softmax.softmaxBackward(y, dy);
    assertArrayEquals(new float[] {0.25f, -0.25f, -e * (1 - e), e * (1 - e), 0, 0}, dx.toArray(), 1e-6f);
    Tensor dlx = Softmax.logSoftmaxBackward(logY, dy);
    assertArrayEquals(new float[] {0.5f, -0.5f, -e, 1 - (1 - e), 0, 0}, dlx.toArray(), 1e-6f);
    assertThrows(ShapeException.class, () -> Softmax.softmax(Tensor.zeros()));
    assertThrows(ShapeException.class, () -> Softmax.softmaxBackward(y, Tensor.zeros(2, 3)));
  }
}
