package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.size;

import org.jlora.engine.EmbeddingKernels;
import org.jlora.engine.HostBf16;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * The tensor door of the host embedding kernels: the table must be a 2-d {@code [vocab, dim]}
 * host tensor and the rows {@code [ids, dim]}; then arrays and offsets go to
 * {@link EmbeddingVector} or {@link EmbeddingScalar}. A gather may read a bf16 table (a frozen
 * embedding kept at half the memory), each row widened exactly as it is copied out; the
 * scatter-add writes a gradient, which is f32.
 */
public abstract class EmbeddingOnHost implements EmbeddingKernels {
  protected EmbeddingOnHost() {}

  @Override
  public final void gatherRows(Tensor table, int[] ids, Tensor out) {
    int dim = tableDim("gatherRows", "table", table);
    size("gatherRows", "out [ids, dim]", out, (long) ids.length * dim);
    if (table.storage() instanceof HostBf16 bits) {
      gatherRowsBf16(ids.length, dim, bits.bits(), table.offset(), table.dim(0), ids, 0,
          f32("gatherRows", "out", out), out.offset());
    } else {
      gatherRows(ids.length, dim, f32("gatherRows", "table", table), table.offset(), table.dim(0), ids, 0,
          f32("gatherRows", "out", out), out.offset());
    }
  }

  @Override
  public final void scatterAddRows(Tensor dOut, int[] ids, Tensor dTable) {
    int dim = tableDim("scatterAddRows", "dTable", dTable);
    size("scatterAddRows", "dOut [ids, dim]", dOut, (long) ids.length * dim);
    scatterAddRows(ids.length, dim, f32("scatterAddRows", "dOut", dOut), dOut.offset(), ids, 0,
        f32("scatterAddRows", "dTable", dTable), dTable.offset(), dTable.dim(0));
  }

  private static int tableDim(String op, String name, Tensor table) {
    if (table.rank() != 2) {
      throw new ShapeException(op + ": " + name + " " + Shapes.str(table.shape()) + " must be [vocab, dim]");
    }
    return table.dim(1);
  }

  // table: [vocab, dim], ids: [count] -> out: [count, dim]
  public abstract void gatherRows(int count, int dim, float[] table, int tableOff, int vocab, int[] ids, int idsOff,
                                  float[] out, int outOff);

  /** {@link #gatherRows} from a table of bf16 bits, each row widened to f32. */
  // table: [vocab, dim] (bf16), ids: [count] -> out: [count, dim]
  public abstract void gatherRowsBf16(int count, int dim, short[] table, int tableOff, int vocab, int[] ids,
                                      int idsOff, float[] out, int outOff);

  // dOut: [count, dim], ids: [count] -> dTable: [vocab, dim]
  public abstract void scatterAddRows(int count, int dim, float[] dOut, int dOutOff, int[] ids, int idsOff,
                                      float[] dTable, int tableOff, int vocab);
}
