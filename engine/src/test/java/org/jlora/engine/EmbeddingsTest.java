package org.jlora.engine;

import static org.jlora.engine.HostKernels.*;
import org.jlora.engine.kernels.EmbeddingOnHost;
import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

class EmbeddingsTest {
  private static final int VLEN = FloatVector.SPECIES_PREFERRED.length();

  private static float[] randn(Rng rng, int n) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = rng.nextGaussian();
    return a;
  }

  private static int[] randomIds(Rng rng, int count, int vocab) {
    int[] ids = new int[count];
    for (int i = 0; i < count; i++) ids[i] = rng.nextInt(vocab);
    return ids;
  }

  @Test
  void vectorMatchesScalarOnEveryTailLengthWithRepeatedIds() {
    Rng rng = new Rng(21);
    for (int dim = 1; dim <= 3 * VLEN + 3; dim++) {
      int vocab = 1 + rng.nextInt(6);  // small vocabularies force repeated ids
      int count = 1 + rng.nextInt(12);
      int off = dim % 4;
      int idsOff = dim % 3;
      float[] table = randn(rng, off + vocab * dim + 2);
      int[] ids = randomIds(rng, idsOff + count, vocab);
      float[] out0 = randn(rng, off + count * dim + 2);
      float[] out1 = out0.clone();
      EMBEDDING_SCALAR.gatherRows(count, dim, table, off, vocab, ids, idsOff, out0, off);
      EMBEDDING_VECTOR.gatherRows(count, dim, table, off, vocab, ids, idsOff, out1, off);
      assertArrayEquals(out0, out1, "gather dim " + dim);
      float[] dTable0 = table.clone();
      float[] dTable1 = table.clone();
      EMBEDDING_SCALAR.scatterAddRows(count, dim, out0, off, ids, idsOff, dTable0, off, vocab);
      EMBEDDING_VECTOR.scatterAddRows(count, dim, out0, off, ids, idsOff, dTable1, off, vocab);
      assertArrayEquals(dTable0, dTable1, "scatterAdd dim " + dim);
    }
  }

  @Test
  void gatherCopiesRowsAndScatterAddSumsRepeatedIds() {
    for (Backend be : new Backend[] {Backends.scalar(), Backends.vector()}) {
      Tensor table = Tensor.of(new float[] {0, 1, 10, 11, 20, 21}, 3, 2);
      int[] ids = {2, 0, 2, 2};
      Tensor out = Tensor.zeros(4, 2);
      be.embedding().gatherRows(table, ids, out);
      assertArrayEquals(new float[] {20, 21, 0, 1, 20, 21, 20, 21}, out.toArray(), be.name());
      Tensor dOut = Tensor.of(new float[] {1, 2, 3, 4, 5, 6, 7, 8}, 4, 2);
      Tensor dTable = Tensor.full(100f, 3, 2);
      be.embedding().scatterAddRows(dOut, ids, dTable);
      // row 2 gets positions 0, 2, 3; row 0 gets position 1; row 1 nothing
      assertArrayEquals(new float[] {103, 104, 100, 100, 113, 116}, dTable.toArray(), be.name());
    }
  }

  @Test
  void badIdsAreNamedWithTheirPositionAndTheTableIsUntouched() {
    for (EmbeddingOnHost be : new EmbeddingOnHost[] {EMBEDDING_SCALAR, EMBEDDING_VECTOR}) {
      float[] table = new float[5 * 3];
      int[] ids = {1, 4, 5, 0};
      IndexOutOfBoundsException e = assertThrows(IndexOutOfBoundsException.class,
          () -> be.gatherRows(4, 3, table, 0, 5, ids, 0, new float[12], 0));
      assertTrue(e.getMessage().contains("gatherRows") && e.getMessage().contains("id 5")
          && e.getMessage().contains("position 2") && e.getMessage().contains("5 rows"), e.getMessage());
      float[] dOut = new float[12];
      Arrays.fill(dOut, 1f);
      int[] negative = {0, -1, 0, 0};
      e = assertThrows(IndexOutOfBoundsException.class,
          () -> be.scatterAddRows(4, 3, dOut, 0, negative, 0, table, 0, 5));
      assertTrue(e.getMessage().contains("scatterAddRows") && e.getMessage().contains("id -1")
          && e.getMessage().contains("position 1"), e.getMessage());
      assertArrayEquals(new float[15], table, be.getClass().getSimpleName() + ": no row was added before the bad id was found");
    }
  }

  @Test
  void scatterAddIsBitwiseIdenticalForOneAndTwoThreads() {
    Rng rng = new Rng(22);
    int vocab = 50;
    int dim = 2 * VLEN + 1;
    int count = 2000;  // count * dim well above Parallel.MIN_PARALLEL_WORK, ids repeat ~40 times
    int[] ids = randomIds(rng, count, vocab);
    float[] dOut = randn(rng, count * dim);
    float[] table = randn(rng, vocab * dim);
    float[][] dTables = new float[2][];
    float[][] gathered = new float[2][];
    int before = Parallel.threads();
    try {
      for (int t = 1; t <= 2; t++) {
        Parallel.setThreads(t);
        dTables[t - 1] = new float[vocab * dim];
        gathered[t - 1] = new float[count * dim];
        EMBEDDING_VECTOR.scatterAddRows(count, dim, dOut, 0, ids, 0, dTables[t - 1], 0, vocab);
        EMBEDDING_VECTOR.gatherRows(count, dim, table, 0, vocab, ids, 0, gathered[t - 1], 0);
      }
    } finally {
      Parallel.setThreads(before);
    }
    assertArrayEquals(dTables[0], dTables[1]);
    assertArrayEquals(gathered[0], gathered[1]);
    float[] scalar = new float[vocab * dim];
    EMBEDDING_SCALAR.scatterAddRows(count, dim, dOut, 0, ids, 0, scalar, 0, vocab);
    assertArrayEquals(scalar, dTables[1], "additions per row happen in position order, as in the scalar twin");
  }

  @Test
  void nanAndInfinityPassThrough() {
    for (EmbeddingOnHost be : new EmbeddingOnHost[] {EMBEDDING_SCALAR, EMBEDDING_VECTOR}) {
      float[] table = {1, Float.NaN, Float.POSITIVE_INFINITY, 4};
      float[] out = new float[4];
      be.gatherRows(2, 2, table, 0, 2, new int[] {1, 0}, 0, out, 0);
      assertEquals(Float.POSITIVE_INFINITY, out[0], be.getClass().getSimpleName());
      assertTrue(Float.isNaN(out[3]), be.getClass().getSimpleName());
      float[] dTable = new float[4];
      be.scatterAddRows(2, 2, new float[] {Float.NaN, 1, 2, 3}, 0, new int[] {1, 1}, 0, dTable, 0, 2);
      assertTrue(Float.isNaN(dTable[2]), be.getClass().getSimpleName());
      assertEquals(4f, dTable[3], be.getClass().getSimpleName());
      assertEquals(0f, dTable[0], be.getClass().getSimpleName());
    }
  }

  @Test
  void gatherFromABf16TableWidensEveryValueExactly() {
    // every one of the 65536 bf16 bit patterns (NaN payloads included), as a [4096, 16] table
    short[] bits = new short[1 << 16];
    for (int i = 0; i < bits.length; i++) bits[i] = (short) i;
    Tensor table = Tensor.ofBf16(bits, 4096, 16);
    int[] ids = new int[4096];
    for (int i = 0; i < ids.length; i++) ids[i] = (i * 7 + 3) % 4096;   // every row, out of order
    for (EmbeddingOnHost kernels : new EmbeddingOnHost[] {EMBEDDING_SCALAR, EMBEDDING_VECTOR}) {
      Tensor out = Tensor.zeros(4096, 16);
      kernels.gatherRows(table, ids, out);
      for (int i = 0; i < ids.length; i++) {
        for (int d = 0; d < 16; d++) {
          float expected = Bf16.toFloat(bits[ids[i] * 16 + d]);
          assertEquals(Float.floatToRawIntBits(expected), Float.floatToRawIntBits(out.get(i * 16 + d)),
              kernels.getClass().getSimpleName() + " row " + i + " column " + d);
        }
      }
    }
  }

  @Test
  void aBf16TableIsReadOnlyForTheScatterAdd() {
    Tensor table = Tensor.ofBf16(new short[12], 3, 4);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> EMBEDDING_VECTOR.scatterAddRows(Tensor.zeros(1, 4), new int[] {1}, table));
    assertTrue(e.getMessage().contains("dTable is bf16 on host"), e.getMessage());
  }

  @Test
  void tensorDoorRejectsMismatchedShapes() {
    EmbeddingKernels emb = Backends.vector().embedding();
    Tensor table = Tensor.zeros(4, 3);
    ShapeException e = assertThrows(ShapeException.class,
        () -> emb.gatherRows(Tensor.zeros(12), new int[] {0}, Tensor.zeros(1, 12)));
    assertTrue(e.getMessage().contains("gatherRows") && e.getMessage().contains("[12]"), e.getMessage());
    e = assertThrows(ShapeException.class,
        () -> emb.scatterAddRows(Tensor.zeros(2, 4), new int[] {0, 1}, table));
    assertTrue(e.getMessage().contains("scatterAddRows") && e.getMessage().contains("[2, 4]")
        && e.getMessage().contains("needs 6"), e.getMessage());
    emb.gatherRows(table, new int[0], Tensor.zeros(0, 3));   // no ids: nothing to do, no error
  }
}
