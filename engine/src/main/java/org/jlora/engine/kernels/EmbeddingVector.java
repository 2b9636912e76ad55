package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;

/**
 * Embedding gather / scatter-add on the Vector API and the {@link Parallel} pool; same definition
 * as {@link EmbeddingScalar}.
 *
 * <p>Scatter-add is split by ownership of table rows: each thread owns a contiguous range of
 * vocabulary rows and walks all positions in order, adding only those whose id it owns. Repeated
 * ids never race, and each row receives its additions in position order, as in the scalar twin,
 * so the result is the same bits whatever the thread count.
 */
public final class EmbeddingVector extends EmbeddingOnHost {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  /** See {@link EmbeddingScalar#gatherRows}. */
  // table: [vocab, dim], ids: [count] -> out: [count, dim]
  @Override
  public void gatherRows(int count, int dim, float[] table, int tableOff, int vocab, int[] ids, int idsOff,
                                float[] out, int outOff) {
    EmbeddingScalar.checkIds("gatherRows", count, ids, idsOff, vocab);
    Parallel.forRange(count, (long) count * dim, (from, to) -> {
      for (int i = from; i < to; i++) {
        // a row copy: the JIT's intrinsic arraycopy already moves full vectors
        System.arraycopy(table, tableOff + ids[idsOff + i] * dim, out, outOff + i * dim, dim);
      }
    });
  }

  /** See {@link EmbeddingScalar#gatherRowsBf16}: each row widened a vector at a time. */
  // table: [vocab, dim] (bf16), ids: [count] -> out: [count, dim]
  @Override
  public void gatherRowsBf16(int count, int dim, short[] table, int tableOff, int vocab, int[] ids, int idsOff,
                             float[] out, int outOff) {
    EmbeddingScalar.checkIds("gatherRows", count, ids, idsOff, vocab);
    Parallel.forRange(count, (long) count * dim, (from, to) -> {
      for (int i = from; i < to; i++) {
        Bf16Widen.widen(table, tableOff + ids[idsOff + i] * dim, out, outOff + i * dim, dim);
      }
    });
  }

  /** See {@link EmbeddingScalar#scatterAddRows}. */
  // dOut: [count, dim], ids: [count] -> dTable: [vocab, dim]
  @Override
  public void scatterAddRows(int count, int dim, float[] dOut, int dOutOff, int[] ids, int idsOff,
                                    float[] dTable, int tableOff, int vocab) {
    EmbeddingScalar.checkIds("scatterAddRows", count, ids, idsOff, vocab);
    Parallel.forRange(vocab, (long) count * dim, (fromId, toId) -> {
      for (int i = 0; i < count; i++) {
        int id = ids[idsOff + i];
        if (id >= fromId && id < toId) addInto(dim, dOut, dOutOff + i * dim, dTable, tableOff + id * dim);
      }
    });
  }

  /** {@code y[i] += x[i]} for {@code i < n}. */
  private static void addInto(int n, float[] x, int xOff, float[] y, int yOff) {
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += LANES) {
      FloatVector.fromArray(SPECIES, y, yOff + i).add(FloatVector.fromArray(SPECIES, x, xOff + i))
          .intoArray(y, yOff + i);
    }
    for (; i < n; i++) y[yOff + i] += x[xOff + i];
  }
}
