package org.jlora.examples.model.llama;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.examples.model.LayerSource;

/**
 * Llama's SwiGLU MLP: {@code down_proj(silu(gate_proj(x)) ∘ up_proj(x))}, no biases. Position-wise,
 * so it needs no cache. The projections are {@link Linear} children named as in Hugging Face.
 */
public final class LlamaMlp extends Module {
  private final Child<Linear> gateProj;
  private final Child<Linear> upProj;
  private final Child<Linear> downProj;

  /** The MLP of the layer whose names start with {@code prefix} ("model.layers.0.mlp."). */
  public LlamaMlp(LlamaConfig cfg, LayerSource layers, String prefix) {
    int c = cfg.hiddenSize();
    int f = cfg.intermediateSize();
    this.gateProj = registerModule("gate_proj", Linear.class, layers.linear(prefix + "gate_proj", c, f, false));
    this.upProj = registerModule("up_proj", Linear.class, layers.linear(prefix + "up_proj", c, f, false));
    this.downProj = registerModule("down_proj", Linear.class, layers.linear(prefix + "down_proj", f, c, false));
  }

  /** x [B, T, C] -> gate, up [B, T, F] -> [B, T, C]. */
  @Override
  public Variable forward(Variable x) {
    return downProj.get().forward(F.swiglu(gateProj.get().forward(x), upProj.get().forward(x)));
  }
}
