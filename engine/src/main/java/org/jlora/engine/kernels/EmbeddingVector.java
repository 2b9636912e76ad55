package org.jlora.engine.kernels;

import org.jlora.engine.*;

/** Embedding kernels, vector version (placeholder until implemented). */
public final class EmbeddingVector {
  private EmbeddingVector() {}

  public static void gatherRows(int count, int dim, float[] table, int tableOff, int vocab, int[] ids, int idsOff, float[] out, int outOff) {
    throw new UnsupportedOperationException("EmbeddingVector.gatherRows is not implemented yet");
  }

  public static void scatterAddRows(int count, int dim, float[] dOut, int dOutOff, int[] ids, int idsOff, float[] dTable, int tableOff, int vocab) {
    throw new UnsupportedOperationException("EmbeddingVector.scatterAddRows is not implemented yet");
  }

}
