package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

/** A backend is a name and one implementation per kernel family; with() replaces one family. */
class BackendTest {

  /** A matmul family that counts its calls and leaves the work to another. */
  static final class CountingMatmul implements MatmulKernels {
    final MatmulKernels inner;
    int calls;

    CountingMatmul(MatmulKernels inner) {
      this.inner = inner;
    }

    @Override
    public void matmul(int batch, int m, int n, int k, Tensor a, boolean transA, Tensor b, boolean transB,
                       boolean shareB, Tensor c, boolean accumulate) {
      calls++;
      inner.matmul(batch, m, n, k, a, transA, b, transB, shareB, c, accumulate);
    }
  }

  @Test
  void withReplacesOneFamilyAndKeepsTheRest() {
    Backend vector = Backends.vector();
    CountingMatmul counting = new CountingMatmul(vector.matmul());
    Backend be = vector.with(counting).named("counting");
    assertEquals("counting", be.name());
    assertSame(counting, be.matmul());
    assertSame(vector.elementwise(), be.elementwise());
    assertSame(vector.rows(), be.rows());
    // the convenience forms of the family go through the one kernel a backend overrides
    Tensor c = be.matmul().matmul(Tensor.of(new float[] {1, 2}, 1, 2), false, Tensor.of(new float[] {3, 4}, 2, 1), false);
    assertArrayEquals(new float[] {11}, c.toArray());
    assertEquals(1, counting.calls);
  }

  @Test
  void aBackendNeedsEveryFamily() {
    Backend v = Backends.vector();
    assertThrows(IllegalArgumentException.class, () -> new Backend("broken", null, v.elementwise(), v.reductions(),
        v.rows(), v.conv(), v.embedding(), v.optimizer(), v.attention()));
    assertThrows(IllegalArgumentException.class, () -> new Backend("broken", v.matmul(), v.elementwise(),
        v.reductions(), v.rows(), v.conv(), v.embedding(), v.optimizer(), null));
    assertThrows(IllegalArgumentException.class, () -> v.named(" "));
  }
}
