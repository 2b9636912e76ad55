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
 * @param bBias      PEFT's lora_bias: a trainable bias of B [out], added as {@code scaling · bBias}; or null
 */
public record LoraAdapter(String name, int r, float alpha, float scaling, float dropout,
                          Parameter a, Parameter b, Rng dropoutRng, Parameter magnitude, Parameter bBias) {

  /** A plain adapter: no DoRA magnitude, no bias on B. */
  public LoraAdapter(String name, int r, float alpha, float scaling, float dropout, Parameter a, Parameter b,
                     Rng dropoutRng) {
    this(name, r, alpha, scaling, dropout, a, b, dropoutRng, null, null);
  }

  /** This adapter with DoRA's magnitude. */
  public LoraAdapter withMagnitude(Parameter m) {
    return new LoraAdapter(name, r, alpha, scaling, dropout, a, b, dropoutRng, m, bBias);
  }

  /** This adapter with a bias on B (PEFT's lora_bias). */
  public LoraAdapter withBBias(Parameter bias) {
    return new LoraAdapter(name, r, alpha, scaling, dropout, a, b, dropoutRng, magnitude, bias);
  }

  /** The same parameters with another alpha and scaling (a hotswap). */
  public LoraAdapter withScaling(float newAlpha, float newScaling) {
    return new LoraAdapter(name, r, newAlpha, newScaling, dropout, a, b, dropoutRng, magnitude, bBias);
  }

  /** Whether this is a DoRA adapter. */
  public boolean isDora() {
    return magnitude != null;
  }

  /** The trainable parameters: A, B and, when present, the DoRA magnitude and B's bias. */
  public List<Parameter> parameters() {
    List<Parameter> out = new java.util.ArrayList<>(List.of(a, b));
    if (magnitude != null) out.add(magnitude);
    if (bBias != null) out.add(bBias);
    return List.copyOf(out);
  }

  /** Trainable parameter count of this adapter: |A| + |B| (+ |m|). */
  public long parameterCount() {
    long n = 0;
    for (Parameter p : parameters()) n += p.value().size();
    return n;
  }
}
