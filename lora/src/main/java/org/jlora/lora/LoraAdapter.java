package org.jlora.lora;

import java.util.List;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Rng;

/**
 * One named adapter inside a LoRA layer: the low-rank pair (A, B), its rank, alpha and the
 * scaling {@code alpha / r} (or {@code alpha / sqrt(r)} with rsLoRA) applied to {@code B·A}.
 * The shapes of A and B depend on the layer type (see each layer's Javadoc).
 *
 * @param dropout    probability for loralib's {@code lora_dropout} on the adapter's input (0 = none)
 * @param dropoutRng the stream dropout masks are drawn from (reproducible for a seed)
 * @param magnitude  DoRA's magnitude per output feature ({@link Dora}), or null for plain LoRA
 */
public record LoraAdapter(String name, int r, float alpha, float scaling, float dropout,
                          Parameter a, Parameter b, Rng dropoutRng, Parameter magnitude) {

  /** A plain (non-DoRA) adapter. */
  public LoraAdapter(String name, int r, float alpha, float scaling, float dropout, Parameter a, Parameter b,
                     Rng dropoutRng) {
    this(name, r, alpha, scaling, dropout, a, b, dropoutRng, null);
  }

  /** Whether this is a DoRA adapter. */
  public boolean isDora() {
    return magnitude != null;
  }

  /** The trainable parameters: A, B and, for DoRA, the magnitude. */
  public List<Parameter> parameters() {
    return magnitude == null ? List.of(a, b) : List.of(a, b, magnitude);
  }

  /** Trainable parameter count of this adapter: |A| + |B| (+ |m|). */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : parameters()) n += p.value().size();
    return n;
  }
}
