package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The Reductions facade on both backends. */
class ReductionsTest {
  private Backend previous;

  @AfterEach
  void restore() {
    if (previous != null) Backends.set(previous);
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void wholeTensorAndLastAxis(String backend) {
    previous = Backends.use(backend);
    Tensor x = Tensor.of(new float[] {1, -2, 3, 4, 5, -6}, 2, 3);
    assertEquals(5f, Reductions.sum(x));
    assertEquals(5f / 6, Reductions.mean(x), 1e-7f);
    assertEquals(5f, Reductions.max(x));
    Tensor rowSums = Reductions.sumLastAxis(x);
    assertArrayEquals(new int[] {2}, rowSums.shape());
    assertArrayEquals(new float[] {2, 3}, rowSums.toArray());
    assertArrayEquals(new float[] {2f / 3, 1}, Reductions.meanLastAxis(x).toArray(), 1e-7f);
    assertArrayEquals(new float[] {3, 5}, Reductions.maxLastAxis(x).toArray());
    Tensor v = Tensor.of(new float[] {1, 2, 3}, 3);
    assertArrayEquals(new int[0], Reductions.sumLastAxis(v).shape());
    assertEquals(6f, Reductions.sumLastAxis(v).item());
    assertTrue(Float.isNaN(Reductions.max(Tensor.of(new float[] {1, Float.NaN, 2}, 3))));
    assertThrows(IllegalArgumentException.class, () -> Reductions.max(Tensor.zeros(0)));
    assertThrows(ShapeException.class, () -> Reductions.sumLastAxis(Tensor.zeros()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"scalar", "vector"})
  void sumLeadingAxesUndoesABroadcast(String backend) {
    previous = Backends.use(backend);
    Tensor dy = Tensor.arange(12).reshape(2, 2, 3);   // [B=2, T=2, C=3]
    assertArrayEquals(new float[] {0 + 3 + 6 + 9, 1 + 4 + 7 + 10, 2 + 5 + 8 + 11},
        Reductions.sumLeadingAxes(dy, new int[] {3}).toArray());
    Tensor perTime = Reductions.sumLeadingAxes(dy, new int[] {1, 2, 3});
    assertArrayEquals(new int[] {1, 2, 3}, perTime.shape());
    assertArrayEquals(new float[] {6, 8, 10, 12, 14, 16}, perTime.toArray());
    assertArrayEquals(dy.toArray(), Reductions.sumLeadingAxes(dy, new int[] {2, 2, 3}).toArray());
    ShapeException e = assertThrows(ShapeException.class, () -> Reductions.sumLeadingAxes(dy, new int[] {2}));
    assertTrue(e.getMessage().contains("sumLeadingAxes") && e.getMessage().contains("[2, 2, 3]"), e.getMessage());
    // the adjoint of broadcasting: <add(x, b), dy> changes with b exactly as <b, sumLeadingAxes(dy)>
    Tensor b = Tensor.of(new float[] {0.5f, -1, 2}, 3);
    float direct = Reductions.sum(Elementwise.mul(Elementwise.add(Tensor.zeros(2, 2, 3), b), dy));
    float viaAdjoint = Reductions.sum(Elementwise.mul(b, Reductions.sumLeadingAxes(dy, new int[] {3})));
    assertEquals(direct, viaAdjoint, 1e-5f);
  }
}
