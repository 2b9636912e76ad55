package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** Tensor, Shapes, Rng and Backends basics. */
class TensorTest {

  @Test
  void creationFillsTheShape() {
    assertArrayEquals(new float[6], Tensor.zeros(2, 3).toArray());
    assertArrayEquals(new float[] {1, 1, 1}, Tensor.ones(3).toArray());
    assertArrayEquals(new float[] {2.5f, 2.5f}, Tensor.full(2.5f, 2, 1).toArray());
    assertArrayEquals(new float[] {0, 1, 2, 3}, Tensor.arange(4).toArray());
    Tensor t = Tensor.of(new float[] {1, 2, 3, 4, 5, 6}, 2, 3);
    assertEquals(6, t.size());
    assertEquals(2, t.rank());
    assertEquals(3, t.dim(-1));
    assertEquals(2, t.rowCount());
    assertEquals(6f, t.at(1, 2));
    assertEquals(1, Tensor.zeros().size(), "a rank-0 tensor holds one value");
  }

  @Test
  void badCreationNamesTheShape() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tensor.of(new float[5], 2, 3));
    assertTrue(e.getMessage().contains("[2, 3]") && e.getMessage().contains("5"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(2, -1));
    assertTrue(e.getMessage().contains("negative"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> Tensor.view(new float[10], 5, 2, 3));
    assertTrue(e.getMessage().contains("offset 5") && e.getMessage().contains("10"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Tensor.zeros(1 << 16, 1 << 16), "2^32 floats overflow");
  }

  @Test
  void reshapeInfersMinusOneAndSharesStorage() {
    Tensor t = Tensor.arange(12);
    Tensor r = t.reshape(3, -1);
    assertArrayEquals(new int[] {3, 4}, r.shape());
    assertArrayEquals(new int[] {2, 3, 2}, t.reshape(2, -1, 2).shape());
    r.set(5, 99f);
    assertEquals(99f, t.get(5), "reshape is a view");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.reshape(5, -1));
    assertTrue(e.getMessage().contains("[5, -1]") && e.getMessage().contains("12"), e.getMessage());
    e = assertThrows(IllegalArgumentException.class, () -> t.reshape(-1, -1));
    assertTrue(e.getMessage().contains("more than one -1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> t.reshape(5, 2));
  }

  @Test
  void rowsAreViewsAndCopiesAreIndependent() {
    Tensor t = Tensor.arange(12).reshape(4, 3);
    Tensor middle = t.rows(1, 3);
    assertArrayEquals(new int[] {2, 3}, middle.shape());
    assertEquals(3, middle.offset());
    assertArrayEquals(new float[] {3, 4, 5, 6, 7, 8}, middle.toArray());
    middle.set(0, -1f);
    assertEquals(-1f, t.get(3), "rows() shares storage");
    assertSame(t.data(), middle.data());
    Tensor c = middle.copy();
    c.set(1, -2f);
    assertEquals(4f, t.get(4), "copy() does not");
    assertEquals(0, c.offset());
    assertEquals(6, c.data().length);
    IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class, () -> t.rows(2, 5));
    assertTrue(e.getMessage().contains("rows(2, 5)") && e.getMessage().contains("[4, 3]"), e.getMessage());
    assertEquals(0, t.rows(2, 2).size());
  }

  @Test
  void accessorsCheckBounds() {
    Tensor t = Tensor.zeros(2, 2);
    assertThrows(IndexOutOfBoundsException.class, () -> t.get(4));
    assertThrows(IndexOutOfBoundsException.class, () -> t.set(-1, 0f));
    assertThrows(IndexOutOfBoundsException.class, () -> t.at(0, 2));
    assertThrows(IllegalArgumentException.class, () -> t.at(0));
    IllegalStateException e = assertThrows(IllegalStateException.class, t::item);
    assertTrue(e.getMessage().contains("[2, 2]"), e.getMessage());
    assertEquals(7f, Tensor.full(7f, 1, 1).item());
    ShapeException s = assertThrows(ShapeException.class, () -> t.copyFrom(Tensor.zeros(3)));
    assertTrue(s.getMessage().contains("copyFrom") && s.getMessage().contains("[3]"), s.getMessage());
    assertArrayEquals(new float[] {0, 1, 2, 3}, t.copyFrom(Tensor.arange(4)).toArray());
    s = assertThrows(ShapeException.class, () -> Shapes.requireSame("add", t, Tensor.zeros(4)));
    assertTrue(s.getMessage().contains("add") && s.getMessage().contains("[2, 2]") && s.getMessage().contains("[4]"));
  }

  @Test
  void rngIsReproducibleAndSplitsIntoDifferentStreams() {
    Rng a = new Rng(42);
    Rng b = new Rng(42);
    for (int i = 0; i < 100; i++) assertEquals(a.nextLong(), b.nextLong());
    assertArrayEquals(Tensor.randn(new Rng(7), 3, 5).toArray(), Tensor.randn(new Rng(7), 3, 5).toArray());
    assertNotEquals(new Rng(1).nextLong(), new Rng(2).nextLong());
    Rng parent = new Rng(3);
    Rng child = parent.split();
    assertNotEquals(parent.nextLong(), child.nextLong());
    assertThrows(IllegalArgumentException.class, () -> new Rng(0).nextInt(0));
  }

  @Test
  void rngMomentsAreRoughlyRight() {
    int n = 200_000;
    Rng rng = new Rng(9);
    float[] g = Tensor.randn(rng, 2f, 3f, n).toArray();
    float[] u = Tensor.uniform(rng, -1f, 3f, n).toArray();
    double gMean = 0, gVar = 0, uMean = 0, uVar = 0;
    float uMin = Float.MAX_VALUE, uMax = -Float.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      gMean += g[i];
      uMean += u[i];
      uMin = Math.min(uMin, u[i]);
      uMax = Math.max(uMax, u[i]);
    }
    gMean /= n;
    uMean /= n;
    for (int i = 0; i < n; i++) {
      gVar += (g[i] - gMean) * (g[i] - gMean);
      uVar += (u[i] - uMean) * (u[i] - uMean);
    }
    gVar /= n;
    uVar /= n;
    // standard errors: mean 3/sqrt(n) ~ 0.007, variance 9*sqrt(2/n) ~ 0.03; bounds at ~5 sigma
    assertEquals(2.0, gMean, 0.035);
    assertEquals(9.0, gVar, 0.15);
    assertEquals(1.0, uMean, 0.015);
    assertEquals(16.0 / 12, uVar, 0.02);
    assertTrue(uMin >= -1f && uMax < 3f, "uniform stays in [lo, hi): " + uMin + " " + uMax);
    int[] counts = new int[5];
    for (int i = 0; i < 50_000; i++) counts[rng.nextInt(5)]++;
    for (int c : counts) assertEquals(10_000, c, 500, "nextInt(5) is roughly uniform");
  }

  @Test
  void backendsAreChosenByName() {
    Backend before = Backends.current();
    try {
      Backends.use("scalar");
      assertEquals("scalar", Backends.current().name());
      Backend prev = Backends.use(" Vector ");
      assertEquals("scalar", prev.name(), "use() returns the previous backend");
      assertEquals("vector", Backends.current().name());
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backends.use("nope"));
      assertTrue(e.getMessage().contains("'nope'") && e.getMessage().contains("scalar, vector"), e.getMessage());
      assertEquals("vector", Backends.current().name(), "a failed use() leaves the backend as it was");
      IllegalStateException t = assertThrows(IllegalStateException.class, () -> Backends.use("tornado"));
      assertTrue(t.getMessage().contains("tornado"), t.getMessage());
      assertThrows(IllegalArgumentException.class, () -> Backends.set(null));
    } finally {
      Backends.set(before);
    }
  }

  @Test
  void firstNonFiniteCountsFromTheViewsOwnStart() {
    Tensor t = Tensor.of(new float[] {Float.NaN, 1f, 2f, Float.POSITIVE_INFINITY, 4f, 5f}, 2, 3);
    assertEquals(0, t.firstNonFinite());
    Tensor lastRow = t.rows(1, 2);   // a view starting past the NaN
    assertEquals(0, lastRow.firstNonFinite(), "the infinity is the view's element 0");
    assertEquals(-1, Tensor.of(new float[] {1f, -0f, Float.MAX_VALUE}, 3).firstNonFinite());
  }
}
