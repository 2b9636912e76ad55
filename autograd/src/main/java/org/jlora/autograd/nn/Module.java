package org.jlora.autograd.nn;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * A layer or model: named parameters, named child modules, and a training flag, as in PyTorch.
 *
 * <p>Names compose with dots in registration order, depth first: a model's
 * {@link #namedParameters()} reads like {@code blocks.0.attn.c_attn.weight}. A child lives in a
 * typed {@link Child} slot, so {@link #replaceChild} (how LoRA injects its layers) can swap the
 * module while the parent keeps reading it through {@code slot.get()}.
 */
public abstract class Module {
  private final Map<String, Parameter> parameters = new LinkedHashMap<>();
  private final Map<String, Child<?>> children = new LinkedHashMap<>();
  private boolean training = true;

  /**
   * A typed slot holding one child module. The parent reads the current module through
   * {@link #get()}, so a replacement made by {@link Module#replaceChild} is seen at once.
   */
  public static final class Child<M extends Module> {
    private final Class<? extends Module> type;
    private M module;

    private Child(Class<? extends Module> type, M module) {
      this.type = type;
      this.module = module;
    }

    /** The module in this slot now. */
    public M get() {
      return module;
    }

    /** The class every module in this slot must be an instance of. */
    public Class<? extends Module> type() {
      return type;
    }
  }

  /**
   * Registers a parameter under {@code name} ({@code p} may be null: an absent bias, which is
   * then neither listed nor saved). Returns {@code p}.
   */
  protected <P extends Parameter> P registerParameter(String name, P p) {
    checkNewName(name);
    parameters.put(name, p);
    return p;
  }

  /**
   * Removes the parameter registered under {@code name} (PyTorch's {@code del module.name}); LoRA
   * layers use it to delete an adapter. A clear error when there is none.
   */
  protected void removeParameter(String name) {
    if (!parameters.containsKey(name)) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + name
          + "'; parameters: " + parameters.keySet());
    }
    parameters.remove(name);
  }

  /** Registers a child whose slot accepts instances of {@code m}'s own class (and subclasses). */
  protected <M extends Module> Child<M> registerModule(String name, M m) {
    if (m == null) throw new IllegalArgumentException(getClass().getSimpleName() + ": child '" + name + "' is null");
    return registerModule(name, m.getClass(), m);
  }

  /** Registers a child whose slot accepts any instance of {@code type} (e.g. Module.class). */
  protected <M extends Module> Child<M> registerModule(String name, Class<? extends Module> type, M m) {
    checkNewName(name);
    if (!type.isInstance(m)) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": child '" + name + "' ("
          + (m == null ? "null" : m.getClass().getName()) + ") is not a " + type.getName());
    }
    Child<M> slot = new Child<>(type, m);
    children.put(name, slot);
    return slot;
  }

  private void checkNewName(String name) {
    if (name == null || name.isEmpty() || name.contains(".")) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": bad name '" + name
          + "' (non-empty, no dots)");
    }
    if (parameters.containsKey(name) || children.containsKey(name)) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": name '" + name + "' is already taken");
    }
  }

  /** The direct child named {@code name}; a clear error listing the children when there is none. */
  public Module child(String name) {
    Child<?> slot = children.get(name);
    if (slot == null) {
      throw new IllegalArgumentException(getClass().getSimpleName() + " has no child '" + name
          + "'; children: " + children.keySet());
    }
    return slot.get();
  }

  /** The direct children by name, in registration order (a read-only snapshot). */
  public Map<String, Module> children() {
    Map<String, Module> out = new LinkedHashMap<>();
    children.forEach((k, slot) -> out.put(k, slot.get()));
    return Collections.unmodifiableMap(out);
  }

  /**
   * Puts {@code replacement} in the slot of child {@code name}. It must be an instance of the
   * slot's declared class (a LoRA Linear may replace a Linear; a LayerNorm may not), otherwise an
   * IllegalArgumentException names the slot and both classes.
   */
  @SuppressWarnings("unchecked")
  public void replaceChild(String name, Module replacement) {
    Child<Module> slot = (Child<Module>) children.get(name);
    if (slot == null) {
      throw new IllegalArgumentException("replaceChild: " + getClass().getSimpleName() + " has no child '" + name
          + "'; children: " + children.keySet());
    }
    if (!slot.type.isInstance(replacement)) {
      throw new IllegalArgumentException("replaceChild('" + name + "'): the slot holds " + slot.type.getName()
          + ", got " + (replacement == null ? "null" : replacement.getClass().getName()));
    }
    slot.module = replacement;
  }

  /** Every parameter by its dotted full name, depth first in registration order (shared ones once). */
  public Map<String, Parameter> namedParameters() {
    Map<String, Parameter> out = new LinkedHashMap<>();
    Set<Parameter> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    collectParameters("", out, seen);
    return out;
  }

  private void collectParameters(String prefix, Map<String, Parameter> out, Set<Parameter> seen) {
    parameters.forEach((k, p) -> {
      if (p != null && (seen == null || seen.add(p))) out.put(prefix + k, p);
    });
    children.forEach((k, slot) -> ((Module) slot.get()).collectParameters(prefix + k + ".", out, seen));
  }

  /** Every module by its dotted path, this one first as "" (depth first, registration order). */
  public Map<String, Module> namedModules() {
    Map<String, Module> out = new LinkedHashMap<>();
    collectModules("", out);
    return out;
  }

  private void collectModules(String path, Map<String, Module> out) {
    out.put(path, this);
    children.forEach((k, slot) -> ((Module) slot.get()).collectModules(path.isEmpty() ? k : path + "." + k, out));
  }

  /** The parameters in {@link #namedParameters()} order. */
  public List<Parameter> parameters() {
    return new ArrayList<>(namedParameters().values());
  }

  /** The number of scalar parameters (shared ones counted once). */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : namedParameters().values()) n += p.value().size();
    return n;
  }

  /** Training mode (dropout active, LoRA unmerged) for this module and all below it. */
  public Module train() {
    return train(true);
  }

  /** Evaluation mode for this module and all below it. */
  public Module eval() {
    return train(false);
  }

  /** Sets the mode on every module below and including this one, calling each one's hook if it changed. */
  public Module train(boolean mode) {
    for (Module m : namedModules().values()) {
      if (m.training != mode) {
        m.training = mode;
        m.onTrainingModeChanged(mode);
      }
    }
    return this;
  }

  public boolean isTraining() {
    return training;
  }

  /** Hook: this module's mode has just changed to {@code training} (LoRA merges on eval). */
  protected void onTrainingModeChanged(boolean training) {}

  /** Hook called on every module before {@link #loadStateDict} copies anything (LoRA refuses while merged). */
  protected void beforeLoadStateDict() {}

  /** Parameter values by full name (the live tensors, not copies). Shared parameters appear under each name. */
  public Map<String, Tensor> stateDict() {
    Map<String, Parameter> all = new LinkedHashMap<>();
    collectParameters("", all, null);
    Map<String, Tensor> out = new LinkedHashMap<>();
    all.forEach((k, p) -> out.put(k, p.value()));
    return out;
  }

  /**
   * Copies {@code state} into the parameters. Shapes must match exactly (a ShapeException names
   * the key); with {@code strict}, missing and unexpected keys are errors too (named, sorted).
   * Everything is checked before anything is copied. A key whose tensor already is the
   * parameter's (a model built on its checkpoint's tensors) is left as it is.
   */
  public void loadStateDict(Map<String, Tensor> state, boolean strict) {
    for (Module m : namedModules().values()) m.beforeLoadStateDict();
    Map<String, Tensor> own = stateDict();
    Set<String> missing = new TreeSet<>();
    for (Map.Entry<String, Tensor> e : own.entrySet()) {
      Tensor src = state.get(e.getKey());
      if (src == null) {
        missing.add(e.getKey());
      } else if (!src.sameShape(e.getValue())) {
        throw new ShapeException("loadStateDict: key '" + e.getKey() + "' has shape " + Shapes.str(src.shape())
            + " but the parameter is " + Shapes.str(e.getValue().shape()));
      }
    }
    Set<String> unexpected = new TreeSet<>(state.keySet());
    unexpected.removeAll(own.keySet());
    if (strict && (!missing.isEmpty() || !unexpected.isEmpty())) {
      throw new IllegalArgumentException("loadStateDict (strict): " + (missing.isEmpty() ? "" : "missing keys "
          + missing) + (!missing.isEmpty() && !unexpected.isEmpty() ? "; " : "")
          + (unexpected.isEmpty() ? "" : "unexpected keys " + unexpected));
    }
    for (Map.Entry<String, Tensor> e : own.entrySet()) {
      Tensor src = state.get(e.getKey());
      if (src != null && src != e.getValue()) e.getValue().copyFrom(src);
    }
  }

  /** Drops every parameter's gradient. */
  public void zeroGrad() {
    for (Parameter p : namedParameters().values()) p.zeroGrad();
  }

  /**
   * The forward pass for modules that map one variable to one variable (most layers; what
   * {@link Sequential} calls). Modules with other inputs (Embedding) define their own.
   */
  public Variable forward(Variable x) {
    throw new UnsupportedOperationException(getClass().getSimpleName() + " has no forward(Variable)");
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + children.keySet();
  }
}
