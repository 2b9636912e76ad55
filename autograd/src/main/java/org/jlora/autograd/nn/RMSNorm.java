package org.jlora.autograd.nn;

import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;

/** RMSNorm (Llama's): weight [C] (initialised to ones); x [..., C] -> {@code x / rms(x) · weight}. */
public class RMSNorm extends Module {
  private final Parameter weight;
  private final float eps;

  public RMSNorm(int dim, float eps) {
    this.weight = registerParameter("weight", new Parameter(Tensor.ones(dim)));
    this.eps = eps;
  }

  public Parameter weight() {
    return weight;
  }

  public float eps() {
    return eps;
  }

  /** x [..., C] -> [..., C]. */
  @Override
  public Variable forward(Variable x) {
    return F.rmsNorm(x, weight, eps);
  }

  @Override
  public String toString() {
    return "RMSNorm(" + weight.value().dim(0) + ", eps=" + eps + ")";
  }
}
