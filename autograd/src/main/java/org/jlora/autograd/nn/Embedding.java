package org.jlora.autograd.nn;

import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/** A lookup table: weight [num, dim]; ids of shape S -> [S..., dim]. Not final: LoRA extends it. */
public class Embedding extends Module {
  private final Parameter weight;

  /** PyTorch's init: N(0, 1). */
  public Embedding(int num, int dim, Rng rng) {
    this(new Parameter(Tensor.randn(rng, num, dim)));
  }

  /** Wraps an existing table (no copy); a frozen table may be bf16. */
  public Embedding(Parameter weight) {
    if (weight == null || weight.value().rank() != 2) {
      throw new ShapeException("Embedding: weight must be [num, dim], got "
          + (weight == null ? "null" : Shapes.str(weight.shape())));
    }
    this.weight = registerParameter("weight", weight);
  }

  public Parameter weight() {
    return weight;
  }

  public int numEmbeddings() {
    return weight.value().dim(0);
  }

  public int embeddingDim() {
    return weight.value().dim(1);
  }

  /**
   * The table the lookup reads: the weight itself here. A subclass may return a table computed from
   * it (PEFT's trainable tokens: W with a few rows replaced by trained ones), so a model whose output
   * head is tied to this embedding should multiply by {@code table()}, not {@link #weight()}: the head
   * then sees the same rows as the lookup, and gradients reach whatever the table is made of.
   */
  public Variable table() {
    return weight;
  }

  /** ids (row-major, of shape idsShape) -> [idsShape..., dim]. */
  public Variable forward(int[] ids, int... idsShape) {
    return F.embedding(table(), ids, idsShape);
  }
}
