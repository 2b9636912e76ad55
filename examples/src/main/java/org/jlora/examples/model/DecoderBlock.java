package org.jlora.examples.model;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.nn.Sequential;

/**
 * One block of a decoder stack (GPT-2's, Llama's): x [B, T, C] -> [B, T, C], with its slot
 * {@code layer} of a KV cache in generation. {@link #stack} runs the blocks in order, which is
 * where activation checkpointing goes in.
 */
public interface DecoderBlock {
  /** x [B, T, C] -> [B, T, C]; with a cache, this block's keys and values go to slot {@code layer}. */
  Variable forward(Variable x, KvCache cacheOrNull, int layer);

  /**
   * x through every block of {@code blocks}. With {@code checkpoint} and no cache (training), each
   * block keeps only its input [B, T, C] and is recomputed in backward ({@link F#checkpoint}); a
   * cache means generation, which keeps nothing for backward anyway.
   */
  static Variable stack(Sequential blocks, Variable x, KvCache cacheOrNull, boolean checkpoint) {
    for (int l = 0; l < blocks.size(); l++) {
      Module m = blocks.get(l);
      DecoderBlock block = (DecoderBlock) m;
      int layer = l;
      x = checkpoint && cacheOrNull == null
          ? F.checkpoint(v -> block.forward(v, null, layer), x, m.parameters())
          : block.forward(x, cacheOrNull, l);
    }
    return x;
  }
}
