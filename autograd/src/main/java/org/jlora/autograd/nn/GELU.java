package org.jlora.autograd.nn;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;

/** GELU activation: exact (erf, PyTorch's default) or the tanh approximation (GPT-2's). */
public class GELU extends Module {
  private final boolean tanhApprox;

  /** The exact form. */
  public GELU() {
    this(false);
  }

  public GELU(boolean tanhApprox) {
    this.tanhApprox = tanhApprox;
  }

  @Override
  public Variable forward(Variable x) {
    return F.gelu(x, tanhApprox);
  }
}
