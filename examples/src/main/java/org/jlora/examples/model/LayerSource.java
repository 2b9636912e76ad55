package org.jlora.examples.model;

import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Linear;
import org.jlora.engine.Bf16;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;

/**
 * Where a model's weight matrices come from while it is built, asked for by their Hugging Face
 * names: fresh random layers, or a checkpoint's tensors used as they are. Building on the
 * checkpoint's tensors (rather than building at random and copying in) allocates each weight once,
 * and lets a frozen weight stay in the checkpoint's bf16 at half the memory.
 *
 * <p>Norms are not asked for: they are built as ones and loaded afterwards (they are tiny and
 * always f32).
 */
public interface LayerSource {

  /** The linear layer {@code name} ("model.layers.0.self_attn.q_proj"): weight [out, in], bias [out] if asked. */
  Linear linear(String name, int in, int out, boolean bias);

  /** The embedding table {@code name} ("model.embed_tokens"): weight [num, dim]. */
  Embedding embedding(String name, int num, int dim);

  /** PyTorch's initialisation, drawn from {@code rng} in the order the layers are asked for. */
  static LayerSource random(Rng rng) {
    return new LayerSource() {
      @Override
      public Linear linear(String name, int in, int out, boolean bias) {
        return new Linear(in, out, bias, rng);
      }

      @Override
      public Embedding embedding(String name, int num, int dim) {
        return new Embedding(num, dim, rng);
      }
    };
  }

  /**
   * Random weight matrices of N(0, std²) rounded to bf16 (ties to even), frozen; biases zero, in
   * f32. For benchmarks of a frozen bf16 base: each matrix exists in f32 only while it is drawn.
   */
  static LayerSource randomBf16(Rng rng, float std) {
    return new LayerSource() {
      @Override
      public Linear linear(String name, int in, int out, boolean bias) {
        return new Linear(frozenBf16(out, in), bias ? new Parameter(Tensor.zeros(out)) : null);
      }

      @Override
      public Embedding embedding(String name, int num, int dim) {
        return new Embedding(frozenBf16(num, dim));
      }

      private Parameter frozenBf16(int rows, int cols) {
        short[] bits = Bf16.fromFloats(Tensor.randn(rng, 0f, std, rows, cols).data());
        return new Parameter(Tensor.ofBf16(bits, rows, cols), false);
      }
    };
  }
}
