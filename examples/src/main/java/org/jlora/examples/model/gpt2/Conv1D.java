package org.jlora.examples.model.gpt2;

import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Linear;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;

/**
 * GPT-2's {@code Conv1D}: a linear layer whose weight is stored {@code [in, out]} (the transpose
 * of PyTorch's Linear), computing {@code y = x·W + b}. It is a {@link Linear} with fan_in_fan_out
 * storage, so a LoRA Linear with {@code fan_in_fan_out = true} (PEFT's setting for GPT-2) adapts it
 * and a Hugging Face checkpoint loads without transposing anything.
 */
public final class Conv1D extends Linear {

  /** Hugging Face's init: weight N(0, 0.02) of shape [in, out], bias zeros [out]. */
  public Conv1D(int in, int out, Rng rng) {
    super(new Parameter(Tensor.randn(rng, 0f, 0.02f, in, out)), new Parameter(Tensor.zeros(out)), true);
  }

  /**
   * The projection of a GPT-2 block: a Conv1D ([in, out] storage, Hugging Face's layout) or, for
   * the small GPT, a PyTorch Linear ([out, in], nanoGPT's layout). Both with a bias.
   */
  static Linear projection(int in, int out, boolean conv1d, Rng rng) {
    return conv1d ? new Conv1D(in, out, rng) : new Linear(in, out, true, rng);
  }

  @Override
  public String toString() {
    return "Conv1D(" + inFeatures() + " -> " + outFeatures() + ")";
  }
}
