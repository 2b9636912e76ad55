package org.jlora.engine;

/**
 * Embedding lookup and its gradient on tensors: shape checks around {@link Backend#gatherRows}
 * and {@link Backend#scatterAddRows}, run on {@link Backends#current()}.
 */
public final class Embeddings {
  private Embeddings() {}

  /**
   * The rows of {@code table} named by {@code ids}, in order.
   *
   * @throws IndexOutOfBoundsException for an id outside {@code [0, V)}, naming it and its position
   */
  // table: [V, D], ids: [n] -> [n, D]
  public static Tensor gather(Tensor table, int[] ids) {
    checkTable("gather", "table", table);
    int dim = table.dim(1);
    Tensor out = Tensor.zeros(ids.length, dim);
    Backends.current().gatherRows(ids.length, dim, table.data(), table.offset(), table.dim(0), ids, 0,
        out.data(), out.offset());
    return out;
  }

  /**
   * {@code dTable[ids[i], :] += dOut[i, :]}: the gradient of {@link #gather}; repeated ids sum.
   * A bad id throws before anything is added.
   */
  // dOut: [n, D], ids: [n] -> dTable: [V, D]
  public static void scatterAdd(Tensor dOut, int[] ids, Tensor dTable) {
    checkTable("scatterAdd", "dTable", dTable);
    int[] want = {ids.length, dTable.dim(1)};
    if (!java.util.Arrays.equals(dOut.shape(), want)) {
      throw new ShapeException("scatterAdd: dOut " + Shapes.str(dOut.shape()) + " must be " + Shapes.str(want)
          + " = [ids (" + ids.length + "), D] for dTable " + Shapes.str(dTable.shape()));
    }
    Backends.current().scatterAddRows(ids.length, dTable.dim(1), dOut.data(), dOut.offset(), ids, 0,
        dTable.data(), dTable.offset(), dTable.dim(0));
  }

  private static void checkTable(String op, String name, Tensor t) {
    if (t.rank() != 2) {
      throw new ShapeException(op + ": " + name + " " + Shapes.str(t.shape()) + " must be [V, D]");
    }
  }
}
