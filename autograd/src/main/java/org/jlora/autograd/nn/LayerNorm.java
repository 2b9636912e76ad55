package org.jlora.autograd.nn;

import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;

/** LayerNorm over the last axis, weight (gamma) ones and bias (beta) zeros at init, as in PyTorch. */
public class LayerNorm extends Module {
  private final Parameter weight;
  private final Parameter bias;
  private final float eps;

  /** eps 1e-5, with a bias. */
  public LayerNorm(int dim) {
    this(dim, 1e-5f, true);
  }

  public LayerNorm(int dim, float eps, boolean bias) {
    this.weight = registerParameter("weight", new Parameter(Tensor.ones(dim)));
    this.bias = registerParameter("bias", bias ? new Parameter(Tensor.zeros(dim)) : null);
    this.eps = eps;
  }

  public Parameter weight() { return weight; }

  /** The bias, or null. */
  public Parameter bias() { return bias; }

  public float eps() { return eps; }

  /** x [..., dim] -> [..., dim]. */
  @Override
  public Variable forward(Variable x) {
    return F.layerNorm(x, weight, bias, eps);
  }
}
