package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.StepCapture;

/** Embedding lookup: rows of a table gathered by id; backward scatter-adds into the table's gradient. */
public final class EmbeddingOps {
  private EmbeddingOps() {}

  /** {@code table [vocab, dim]}, ids of shape {@code idsShape} -> {@code [idsShape..., dim]}. */
  public static Variable embedding(Variable table, int[] ids, int... idsShape) {
    Backend be = Backends.current();
    Tensor tv = table.value();
    if (tv.rank() != 2) throw new ShapeException("embedding: table must be [vocab, dim], got " + Shapes.str(tv.shape()));
    if (Shapes.size(idsShape) != ids.length) {
      throw new ShapeException("embedding: " + ids.length + " ids do not fill shape " + Shapes.str(idsShape));
    }
    int vocab = tv.dim(0);
    int dim = tv.dim(1);
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocab) {
        throw new IndexOutOfBoundsException("embedding: id " + ids[i] + " at position " + i
            + " is outside the table's " + vocab + " rows");
      }
    }
    int[] outShape = java.util.Arrays.copyOf(idsShape, idsShape.length + 1);
    outShape[idsShape.length] = dim;
    Tensor y = Tensor.zeros(outShape);
    // kept for the backward: a copy, unless a step is being recorded, whose replays refill the
    // caller's array itself (StepCapture refuses a copy there)
    int[] saved = StepCapture.recording() ? ids : ids.clone();
    // ids: [count], table: [vocab, dim] -> y: [count, dim]
    be.embedding().gatherRows(tv, saved, y);
    return Variable.fromOp("embedding", y, g -> {
      Tensor dt = table.gradBuffer();
      be.embedding().scatterAddRows(g, saved, dt);
    }, table);
  }
}
