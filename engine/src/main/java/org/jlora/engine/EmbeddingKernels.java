package org.jlora.engine;

/**
 * Embedding lookup and its adjoint. The table is {@code [vocab, dim]} (its last axis is dim); ids
 * are plain host ints, every one checked against vocab before anything is written.
 */
public interface EmbeddingKernels {

  /**
   * {@code out[i, :] = table[ids[i], :]}.
   *
   * @throws IndexOutOfBoundsException for an id outside {@code [0, vocab)}, naming it and its position
   */
  // table: [vocab, dim], ids: [count] -> out: [count, dim]
  void gatherRows(Tensor table, int[] ids, Tensor out);

  /**
   * {@code dTable[ids[i], :] += dOut[i, :]}: the adjoint of {@link #gatherRows}. Repeated ids
   * sum; the work is split by table row (or column), never needing atomics.
   */
  // dOut: [count, dim], ids: [count] -> dTable: [vocab, dim]
  void scatterAddRows(Tensor dOut, int[] ids, Tensor dTable);
}
