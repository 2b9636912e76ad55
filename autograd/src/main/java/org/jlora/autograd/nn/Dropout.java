package org.jlora.autograd.nn;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;

/** Inverted dropout, active only in training mode; masks come from its own seeded generator. */
public class Dropout extends Module {
  private final float p;
  private final Rng rng;

  public Dropout(float p, Rng rng) {
    if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("Dropout: p must be in [0, 1], got " + p);
    this.p = p;
    this.rng = rng;
  }

  public float p() { return p; }

  @Override
  public Variable forward(Variable x) {
    return F.dropout(x, p, rng, isTraining());
  }
}
