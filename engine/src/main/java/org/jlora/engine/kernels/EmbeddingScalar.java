package org.jlora.engine.kernels;

import org.jlora.engine.Bf16;

/** Embedding lookup (row gather) and its adjoint (row scatter-add), scalar reference. */
public final class EmbeddingScalar extends EmbeddingOnHost {
  /** {@code out[i, :] = table[ids[i], :]}. */
  // table: [vocab, dim], ids: [count] -> out: [count, dim]
  @Override
  public void gatherRows(int count, int dim, float[] table, int tableOff, int vocab, int[] ids, int idsOff,
                                float[] out, int outOff) {
    checkIds("gatherRows", count, ids, idsOff, vocab);
    for (int i = 0; i < count; i++) {
      int id = ids[idsOff + i];
      for (int d = 0; d < dim; d++) out[outOff + i * dim + d] = table[tableOff + id * dim + d];
    }
  }

  /** {@code out[i, :] = widen(table[ids[i], :])} for a table of bf16 bits. */
  // table: [vocab, dim] (bf16), ids: [count] -> out: [count, dim]
  @Override
  public void gatherRowsBf16(int count, int dim, short[] table, int tableOff, int vocab, int[] ids, int idsOff,
                             float[] out, int outOff) {
    checkIds("gatherRows", count, ids, idsOff, vocab);
    for (int i = 0; i < count; i++) {
      int id = ids[idsOff + i];
      for (int d = 0; d < dim; d++) out[outOff + i * dim + d] = Bf16.toFloat(table[tableOff + id * dim + d]);
    }
  }

  /** {@code dTable[ids[i], :] += dOut[i, :]}, positions in order, so repeated ids sum. */
  // dOut: [count, dim], ids: [count] -> dTable: [vocab, dim]
  @Override
  public void scatterAddRows(int count, int dim, float[] dOut, int dOutOff, int[] ids, int idsOff,
                                    float[] dTable, int tableOff, int vocab) {
    checkIds("scatterAddRows", count, ids, idsOff, vocab);
    for (int i = 0; i < count; i++) {
      int id = ids[idsOff + i];
      for (int d = 0; d < dim; d++) dTable[tableOff + id * dim + d] += dOut[dOutOff + i * dim + d];
    }
  }

  /**
   * Checks every id before anything is written, so a bad id leaves the output untouched.
   *
   * @throws IndexOutOfBoundsException naming the operation, the bad id, its position and the vocab size
   */
  public static void checkIds(String op, int count, int[] ids, int idsOff, int vocab) {
    for (int i = 0; i < count; i++) {
      int id = ids[idsOff + i];
      if (id < 0 || id >= vocab) {
        throw new IndexOutOfBoundsException(op + ": id " + id + " at position " + i
            + " is out of range for a vocabulary of " + vocab + " rows");
      }
    }
  }
}
