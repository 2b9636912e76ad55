package org.jlora.lora;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Conv2d;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;

/**
 * A small model with every adaptable layer type, for injection and save/load tests. Module names:
 * {@code emb} (10 x 6), {@code fc1} (6 -> 8), {@code block.c_attn} (8 -> 12, a fused "qkv" of
 * three slices of 4), {@code block.c_proj} (12 -> 8), {@code conv} (2 -> 4, 3x3, padding 1).
 */
final class TinyModel extends Module {
  static final int[] IDS = {1, 4, 9, 4, 0, 7};   // [2, 3]

  static final class Block extends Module {
    final Child<Linear> cAttn;
    final Child<Linear> cProj;

    Block(Rng rng) {
      cAttn = registerModule("c_attn", new Linear(8, 12, true, rng));
      cProj = registerModule("c_proj", new Linear(12, 8, true, rng));
    }

    @Override
    public Variable forward(Variable x) {
      return cProj.get().forward(cAttn.get().forward(x));
    }
  }

  final Child<Embedding> emb;
  final Child<Linear> fc1;
  final Child<Block> block;
  final Child<Conv2d> conv;
  private final Tensor image;

  TinyModel(long seed) {
    Rng rng = new Rng(seed);
    emb = registerModule("emb", new Embedding(10, 6, rng));
    fc1 = registerModule("fc1", new Linear(6, 8, true, rng));
    block = registerModule("block", new Block(rng));
    conv = registerModule("conv", new Conv2d(2, 4, 3, 3, 1, 1, 1, 1, true, rng));
    image = Tensor.randn(new Rng(99), 2, 2, 5, 5);
  }

  /** Both paths on the fixed inputs, flattened into one vector: [2·3·8 + 2·4·5·5]. */
  Variable run() {
    Variable text = block.get().forward(fc1.get().forward(emb.get().forward(IDS, 2, 3)));   // [2, 3, 8]
    Variable img = conv.get().forward(Variable.of(image, false));                          // [2, 4, 5, 5]
    return F.concat(0, F.reshape(text, -1), F.reshape(img, -1));
  }

  /** The outputs as a fresh tensor. */
  Tensor outputs() {
    return run().value().copy();
  }
}
