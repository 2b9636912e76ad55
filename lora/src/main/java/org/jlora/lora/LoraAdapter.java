package org.jlora.lora;

import org.jlora.autograd.Parameter;
import org.jlora.engine.Rng;

/**
 * One named adapter inside a LoRA layer: the low-rank pair (A, B), its rank, alpha and the
 * scaling {@code alpha / r} (or {@code alpha / sqrt(r)} with rsLoRA) applied to {@code B·A}.
 * The shapes of A and B depend on the layer type (see each layer's Javadoc).
 *
 * @param dropout    probability for loralib's {@code lora_dropout} on the adapter's input (0 = none)
 * @param dropoutRng the stream dropout masks are drawn from (reproducible for a seed)
 */
public record LoraAdapter(String name, int r, float alpha, float scaling, float dropout,
                          Parameter a, Parameter b, Rng dropoutRng) {

  /** The parameters A and B, in that order. */
  public java.util.List<Parameter> parameters() {
    return java.util.List.of(a, b);
  }

  /** Trainable parameter count of this adapter: |A| + |B|. */
  public long parameterCount() {
    return (long) a.value().size() + b.value().size();
  }
}
