package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** Embedding kernels, scalar version (placeholder until implemented). */
public final class EmbeddingScalar {
  private EmbeddingScalar() {}

  public static void gatherRows(int count, int dim, float[] table, int tableOff, int vocab, int[] ids, int idsOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("EmbeddingScalar.gatherRows is not implemented yet");
  }

  public static void scatterAddRows(int count, int dim, float[] dOut, int dOutOff, int[] ids, int idsOff, float[] dTable, int tableOff, int vocab) {
    throw new UnsupportedOperationException("EmbeddingScalar.scatterAddRows is not implemented yet");
  }

}
