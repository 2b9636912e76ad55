package org.jlora.examples.model.llama;

import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.nn.RMSNorm;
import org.jlora.autograd.nn.Sequential;
import org.jlora.examples.model.DecoderBlock;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LayerSource;

/**
 * The decoder stack without its head (Hugging Face's {@code LlamaModel}, the {@code model.} prefix
 * of every parameter name): token embedding, the blocks, the final RMSNorm. There is no position
 * embedding: positions enter through RoPE inside attention.
 */
public final class LlamaModel extends Module {
  private final Child<Embedding> embedTokens;
  private final Child<Sequential> layers;
  private final Child<RMSNorm> norm;
  private boolean checkpointActivations;

  /** The stack, its embedding and layers from {@code layers} (names under "model."). */
  public LlamaModel(LlamaConfig cfg, LayerSource layers) {
    this.embedTokens = registerModule("embed_tokens", Embedding.class,
        layers.embedding("model.embed_tokens", cfg.vocabSize(), cfg.hiddenSize()));
    LlamaDecoderLayer[] blocks = new LlamaDecoderLayer[cfg.numLayers()];
    for (int i = 0; i < blocks.length; i++) blocks[i] = new LlamaDecoderLayer(cfg, layers, "model.layers." + i + ".");
    this.layers = registerModule("layers", new Sequential(blocks));   // names layers.0, layers.1, ...
    this.norm = registerModule("norm", new RMSNorm(cfg.hiddenSize(), cfg.rmsEps()));
  }

  public Embedding embedTokens() {
    return embedTokens.get();
  }

  public LlamaDecoderLayer layer(int i) {
    return (LlamaDecoderLayer) layers.get().get(i);
  }

  public int numLayers() {
    return layers.get().size();
  }

  /** Recompute each block in backward instead of keeping its activations (see {@link DecoderBlock#stack}). */
  public void setCheckpointActivations(boolean on) {
    checkpointActivations = on;
  }

  /** ids [B, T] -> the final normalised hidden states [B, T, C]; the cache is not advanced here. */
  public Variable forward(int[] ids, int b, int t, KvCache cacheOrNull) {
    Variable x = embedTokens.get().forward(ids, b, t);                 // [B, T, C]
    x = DecoderBlock.stack(layers.get(), x, cacheOrNull, checkpointActivations);   // [B, T, C]
    return norm.get().forward(x);                                      // [B, T, C]
  }
}
