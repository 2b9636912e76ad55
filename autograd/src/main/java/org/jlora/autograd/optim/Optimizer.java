package org.jlora.autograd.optim;

import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Updates parameters from their gradients. Parameters that do not require a gradient, or have
 * none this step, are skipped and never get optimizer state (a frozen LoRA base costs nothing).
 *
 * <p>The state (Adam's moments, SGD's momentum) can be saved and restored by parameter name
 * ({@link #stateDict}, {@link #loadStateDict}), as PyTorch's {@code optimizer.state_dict()}, so a
 * checkpointed run resumes with exactly the state it stopped with and takes bit-identical steps.
 * Names, not positions: the optimizer is rebuilt around a freshly built model on resume, and
 * a name says which parameter a tensor belongs to whatever order the groups list them in.
 */
public abstract class Optimizer {
  private final List<ParamGroup> groups;
  private final Map<Parameter, float[][]> state = new IdentityHashMap<>();
  /** One tensor per state array, so every step hands the kernels the same storage. */
  private final Map<float[], Tensor> stateViews = new IdentityHashMap<>();
  private Tensor gradScale;

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

  /**
   * From now on every update multiplies the gradients by {@code factor[0]}, read by the update's
   * kernels (a one-element tensor, e.g. {@link GradClip#clipCoefficient}'s coefficient, rewritten
   * by kernels each step); null: by 1. The gradients themselves are left as they are.
   */
  public void scaleGradientsBy(Tensor factor) {
    if (factor != null && factor.size() != 1) {
      throw new IllegalArgumentException("scaleGradientsBy: the factor must hold one element, it holds " + factor.size());
    }
    this.gradScale = factor;
  }

  /** The factor of {@link #scaleGradientsBy}, or null (1). */
  public Tensor gradScale() {
    return gradScale;
  }

  /** One update of every parameter that requires a gradient and has one. */
  public void step() {
    prepareStep();
    applyStep();
  }

  /**
   * The host half of {@link #step}: per-parameter bookkeeping (step counts) and the per-step
   * scalars the update kernels read ({@link #perStepTensors}), for every parameter that has a
   * gradient now. A replayed step calls it before running the recorded kernels.
   */
  public void prepareStep() {
    for (ParamGroup group : groups) {
      for (Parameter p : group.params()) {
        if (!p.requiresGrad() || p.grad() == null) continue;
        prepare(p, state.computeIfAbsent(p, k -> newState(k.value().size())), group);
      }
    }
  }

  /**
   * Creates the state of every parameter that requires a gradient and has none yet, as its first
   * update would (Adam: zero moments, step count 0), so that a first step can be recorded: the
   * state a recorded step keeps must exist outside the recording.
   */
  public void createState() {
    for (ParamGroup group : groups) {
      for (Parameter p : group.params()) {
        if (p.requiresGrad()) state.computeIfAbsent(p, k -> newState(k.value().size()));
      }
    }
  }

  /** The kernel half of {@link #step}: the updates themselves; reads nothing back on the host. */
  public void applyStep() {
    for (ParamGroup group : groups) {
      for (Parameter p : group.params()) {
        if (!p.requiresGrad() || p.grad() == null) continue;
        float[][] s = state.get(p);
        if (s == null) throw new IllegalStateException(getClass().getSimpleName() + ": applyStep before prepareStep");
        update(p, s, group);
      }
    }
  }

  /**
   * The tensors the host rewrites before every step (e.g. Adam's learning rate and bias
   * corrections); none by default.
   */
  public List<Tensor> perStepTensors() {
    return List.of();
  }

  /**
   * The optimizer's state as tensors, one per state array, parameter by parameter in the groups'
   * order; the same tensor every call (a captured step keys buffers on them).
   */
  public List<Tensor> stateTensors() {
    List<Tensor> out = new java.util.ArrayList<>();
    for (ParamGroup group : groups) {   // in the groups' order, the same for the same model
      for (Parameter p : group.params()) {
        float[][] s = state.get(p);
        if (s == null) continue;
        for (float[] a : s) out.add(stateTensor(a));
      }
    }
    return out;
  }

  /** The parameters that have state, in the groups' order. */
  protected List<Parameter> statefulParameters() {
    List<Parameter> out = new java.util.ArrayList<>();
    for (ParamGroup group : groups) {
      for (Parameter p : group.params()) if (state.containsKey(p)) out.add(p);
    }
    return out;
  }

  /** The one tensor over a state array (created on first use). */
  protected Tensor stateTensor(float[] array) {
    return stateViews.computeIfAbsent(array, a -> Tensor.of(a, a.length));
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

  /**
   * The state by parameter name, one tensor per slot: {@code "<slot>.<name>"} (Adam: {@code m.NAME},
   * {@code v.NAME} shaped like the parameter, {@code t.NAME} of shape [1]). Only parameters that
   * have been updated have state; {@code named} maps names to this optimizer's parameters (a
   * model's {@code namedParameters()}); parameters it does not name are left out.
   */
  public Map<String, Tensor> stateDict(Map<String, Parameter> named) {
    List<String> slots = stateSlots();
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      float[][] s = state.get(e.getValue());
      if (s == null) continue;
      for (int i = 0; i < slots.size(); i++) {
        int[] shape = s[i].length == e.getValue().value().size() ? e.getValue().shape() : new int[] {s[i].length};
        out.put(slots.get(i) + "." + e.getKey(), Tensor.of(s[i].clone(), shape));
      }
    }
    return out;
  }

  /**
   * Replaces the state with {@link #stateDict}'s output. Every key must name one slot of a parameter
   * this optimizer updates, with every slot present and of the right size; otherwise nothing is
   * changed and the message names {@code source} (the file it came from) and the key at fault.
   */
  public void loadStateDict(Map<String, Parameter> named, Map<String, Tensor> saved, String source) {
    List<String> slots = stateSlots();
    Set<Parameter> mine = Collections.newSetFromMap(new IdentityHashMap<>());
    for (ParamGroup g : groups) mine.addAll(g.params());
    for (String key : new java.util.TreeSet<>(saved.keySet())) {   // sorted: the same key is named every time
      int dot = key.indexOf('.');
      String slot = dot < 0 ? "" : key.substring(0, dot);
      Parameter p = dot < 0 ? null : named.get(key.substring(dot + 1));
      if (!slots.contains(slot) || p == null || !mine.contains(p)) {
        throw new IllegalArgumentException(source + ": optimizer state '" + key + "' belongs to no parameter this run "
            + "trains; resume with the same model and settings it was saved with");
      }
    }
    Map<Parameter, float[][]> loaded = new IdentityHashMap<>();
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      Parameter p = e.getValue();
      float[][] fresh = newState(p.value().size());
      int present = 0;
      for (int i = 0; i < slots.size(); i++) {
        Tensor t = saved.get(slots.get(i) + "." + e.getKey());
        if (t == null) continue;
        present++;
        if (t.size() != fresh[i].length) {
          throw new IllegalArgumentException(source + ": optimizer state '" + slots.get(i) + "." + e.getKey()
              + "' has shape " + Shapes.str(t.shape()) + " but the parameter is " + Shapes.str(p.shape())
              + "; resume with the model it was saved with");
        }
        fresh[i] = t.toArray();
      }
      if (present == 0) continue;
      if (present != slots.size()) {
        throw new IllegalArgumentException(source + ": the optimizer state of '" + e.getKey() + "' is incomplete (needs "
            + String.join(", ", slots) + "); the file is damaged: resume from another checkpoint");
      }
      loaded.put(p, fresh);
    }
    state.clear();
    state.putAll(loaded);
    stateViews.clear();
  }

  /** Fresh state for a parameter of {@code size} elements (e.g. two zeroed moment arrays). */
  protected abstract float[][] newState(int size);

  /** The names of {@link #newState}'s arrays, in its order: the slots of {@link #stateDict}'s keys. */
  protected abstract List<String> stateSlots();

  /** The host half of a parameter's update (see {@link #prepareStep}); nothing by default. */
  protected void prepare(Parameter p, float[][] state, ParamGroup group) {}

  /**
   * Updates {@code p} in place from {@code p.grad()} with its state and its group's settings, by
   * kernels only (values are never read on the host here).
   */
  protected abstract void update(Parameter p, float[][] state, ParamGroup group);
}
