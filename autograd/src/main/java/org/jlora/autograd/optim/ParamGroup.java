package org.jlora.autograd.optim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jlora.autograd.Parameter;

/**
 * Parameters that share a learning rate and a weight decay, as in PyTorch's param_groups. The
 * usual split gives matrices weight decay and biases and norm weights none
 * ({@link #splitWeightDecay}).
 */
public final class ParamGroup {
  private final List<Parameter> params;
  private final float initialLr;
  private final float weightDecay;
  private float lr;

  public ParamGroup(Collection<? extends Parameter> params, float lr, float weightDecay) {
    if (!(lr >= 0) || !(weightDecay >= 0)) {
      throw new IllegalArgumentException("ParamGroup: lr " + lr + " and weight decay " + weightDecay + " must be >= 0");
    }
    this.params = List.copyOf(params);
    this.initialLr = lr;
    this.lr = lr;
    this.weightDecay = weightDecay;
  }

  /**
   * Two groups from the parameters that require gradients: those of rank >= 2 (matmul and
   * embedding weights) with {@code weightDecay}, the rest (biases, LayerNorm weights) with none.
   * Frozen parameters are left out entirely.
   */
  public static List<ParamGroup> splitWeightDecay(Collection<? extends Parameter> params, float lr, float weightDecay) {
    List<Parameter> decay = new ArrayList<>();
    List<Parameter> noDecay = new ArrayList<>();
    for (Parameter p : params) {
      if (!p.requiresGrad()) continue;
      (p.value().rank() >= 2 ? decay : noDecay).add(p);
    }
    return List.of(new ParamGroup(decay, lr, weightDecay), new ParamGroup(noDecay, lr, 0f));
  }

  public List<Parameter> params() {
    return params;
  }

  /** The learning rate in use now. */
  public float lr() {
    return lr;
  }

  /** Sets the learning rate (what a schedule does each step). */
  public void setLr(float lr) {
    this.lr = lr;
  }

  /** The learning rate the group was created with: the base a schedule scales. */
  public float initialLr() {
    return initialLr;
  }

  public float weightDecay() {
    return weightDecay;
  }
}
