package org.jlora.autograd.optim;

import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;

/**
 * Updates parameters from their gradients. Parameters that do not require a gradient, or have
 * none this step, are skipped and never get optimizer state (a frozen LoRA base costs nothing).
 */
public abstract class Optimizer {
  private final List<ParamGroup> groups;
  private final Map<Parameter, float[][]> state = new IdentityHashMap<>();

  protected Optimizer(List<ParamGroup> groups) {
    if (groups.isEmpty()) throw new IllegalArgumentException(getClass().getSimpleName() + ": no parameter groups");
    this.groups = List.copyOf(groups);
  }

  public List<ParamGroup> groups() {
    return groups;
  }

  /** Sets every group's learning rate. */
  public void setLr(float lr) {
    for (ParamGroup g : groups) g.setLr(lr);
  }

  /** One update of every parameter that requires a gradient and has one. */
  public void step() {
    for (ParamGroup group : groups) {
      for (Parameter p : group.params()) {
        if (!p.requiresGrad() || p.grad() == null) continue;
        update(p, state.computeIfAbsent(p, k -> newState(k.value().size())), group);
      }
    }
  }

  /** Drops the gradients of every parameter in every group. */
  public void zeroGrad() {
    for (ParamGroup group : groups) {
      for (Parameter p : group.params()) p.zeroGrad();
    }
  }

  /** Bytes of optimizer state (moments, momentum buffers) held now. */
  public long stateBytes() {
    long floats = 0;
    for (float[][] s : state.values()) {
      for (float[] a : s) floats += a.length;
    }
    return floats * Float.BYTES;
  }

  /** Fresh state for a parameter of {@code size} elements (e.g. two zeroed moment arrays). */
  protected abstract float[][] newState(int size);

  /** Updates {@code p} in place from {@code p.grad()} with its state and its group's settings. */
  protected abstract void update(Parameter p, float[][] state, ParamGroup group);
}
