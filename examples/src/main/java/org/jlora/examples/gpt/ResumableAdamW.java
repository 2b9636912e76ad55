package org.jlora.examples.gpt;

import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.optim.Adam;
import org.jlora.autograd.optim.ParamGroup;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * AdamW (PyTorch's rule, the engine's kernel) whose moments can be saved and restored by
 * parameter name, so a checkpointed run resumes bit-identically. Per parameter the state is
 * {@code m}, {@code v} and the step count {@code t}.
 */
public final class ResumableAdamW extends Adam {
  private final Map<Parameter, float[][]> live = new IdentityHashMap<>();
  private final Map<Parameter, float[][]> pending = new IdentityHashMap<>();

  public ResumableAdamW(List<ParamGroup> groups, float beta1, float beta2, float eps) {
    super(groups, beta1, beta2, eps, true);   // decoupled weight decay: AdamW
  }

  @Override
  protected void update(Parameter p, float[][] state, ParamGroup group) {
    if (live.put(p, state) == null) {
      float[][] restored = pending.remove(p);
      if (restored != null) {
        for (int i = 0; i < state.length; i++) System.arraycopy(restored[i], 0, state[i], 0, state[i].length);
      }
    }
    super.update(p, state, group);
  }

  /** The state by parameter name: "m.NAME", "v.NAME" (shaped like the parameter) and "t.NAME" [1]. */
  public Map<String, Tensor> stateByName(Map<String, Parameter> named) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      float[][] s = live.get(e.getValue());
      if (s == null) s = pending.get(e.getValue());
      if (s == null) continue;
      int[] shape = e.getValue().shape();
      out.put("m." + e.getKey(), Tensor.of(s[0].clone(), shape));
      out.put("v." + e.getKey(), Tensor.of(s[1].clone(), shape));
      out.put("t." + e.getKey(), Tensor.of(s[2].clone(), 1));
    }
    return out;
  }

  /**
   * Restores {@link #stateByName}'s output before the first step: each parameter picks its
   * moments up at its first update. Every key must name a parameter of the right shape.
   */
  public void loadStateByName(Map<String, Parameter> named, Map<String, Tensor> state, String source) {
    if (!live.isEmpty()) throw new IllegalStateException("ResumableAdamW: load the state before the first step");
    for (String key : state.keySet()) {
      String name = key.length() > 2 ? key.substring(2) : "";
      if (!(key.startsWith("m.") || key.startsWith("v.") || key.startsWith("t.")) || !named.containsKey(name)) {
        throw new IllegalArgumentException(source + ": optimizer state key '" + key + "' names no trainable parameter");
      }
    }
    for (Map.Entry<String, Parameter> e : named.entrySet()) {
      Tensor m = state.get("m." + e.getKey());
      Tensor v = state.get("v." + e.getKey());
      Tensor t = state.get("t." + e.getKey());
      if (m == null && v == null && t == null) continue;
      if (m == null || v == null || t == null) {
        throw new IllegalArgumentException(source + ": optimizer state of '" + e.getKey() + "' is incomplete (m, v, t)");
      }
      int size = e.getValue().value().size();
      if (m.size() != size || v.size() != size || t.size() != 1) {
        throw new ShapeException(source + ": optimizer state of '" + e.getKey() + "' has shape " + Shapes.str(m.shape())
            + " but the parameter is " + Shapes.str(e.getValue().shape()));
      }
      pending.put(e.getValue(), new float[][] {m.toArray(), v.toArray(), t.toArray()});
    }
  }
}
