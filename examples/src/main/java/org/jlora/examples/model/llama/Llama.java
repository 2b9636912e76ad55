package org.jlora.examples.model.llama;

import java.util.Map;
import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LayerSource;
import org.jlora.examples.model.LanguageModel;

/**
 * A Llama-family causal language model (Llama, SmolLM2, TinyLlama, Qwen2; llama2.c checkpoints)
 * with Hugging Face's parameter names:
 *
 * <pre>
 *   model.embed_tokens.weight                       [V, C]
 *   model.layers.N.input_layernorm.weight           [C]
 *   model.layers.N.self_attn.{q,k,v,o}_proj.weight  (+ q/k/v .bias for Qwen2)
 *   model.layers.N.post_attention_layernorm.weight  [C]
 *   model.layers.N.mlp.{gate,up,down}_proj.weight
 *   model.norm.weight                               [C]
 *   lm_head.weight                                  [V, C], absent when tied
 * </pre>
 *
 * With tied embeddings the head reuses the embedding's Parameter (no {@code lm_head} module, so
 * the weight is listed and saved once, as transformers saves it); its gradient sums both uses. The
 * head multiplies by the embedding's {@code table()}, so a wrapped embedding (trainable tokens) stays tied.
 *
 * <p>Load one with {@link HfLlama#load} (a Hugging Face directory) or
 * {@link org.jlora.examples.checkpoint.Llama2cCheckpoint#read} (a llama2.c {@code .bin}).
 */
public final class Llama extends LanguageModel {
  private final LlamaConfig cfg;
  private final Child<LlamaModel> model;
  private final Child<Linear> lmHead;   // null when tied

  /** A freshly initialised model, reproducible for {@code seed} (Hugging Face's init: N(0, 0.02), norms 1, biases 0). */
  public Llama(LlamaConfig cfg, long seed) {
    this(cfg, new Rng(seed));
  }

  private Llama(LlamaConfig cfg, Rng rng) {
    this(cfg, LayerSource.random(rng));
    for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
      Tensor w = e.getValue().value();
      if (e.getKey().endsWith(".bias")) {
        w.fill(0f);
      } else if (w.rank() == 2) {
        w.copyFrom(Tensor.randn(rng, 0f, 0.02f, w.shape()));
      } else {
        w.fill(1f);   // RMSNorm weights
      }
    }
  }

  /**
   * A model whose weight matrices come from {@code layers} as they are (a checkpoint's tensors, bf16
   * ones included); norms start at 1, to be loaded with {@link #loadStateDict}.
   */
  public Llama(LlamaConfig cfg, LayerSource layers) {
    this.cfg = cfg;
    this.model = registerModule("model", new LlamaModel(cfg, layers));
    this.lmHead = cfg.tieEmbeddings() ? null
        : registerModule("lm_head", Linear.class, layers.linear("lm_head", cfg.hiddenSize(), cfg.vocabSize(), false));
  }

  public LlamaConfig config() {
    return cfg;
  }

  public LlamaModel model() {
    return model.get();
  }

  /** The output projection's weight [V, C]: the embedding table itself when tied. */
  public Parameter headWeight() {
    return lmHead == null ? model.get().embedTokens().weight() : lmHead.get().weight();
  }

  @Override
  public int vocabSize() {
    return cfg.vocabSize();
  }

  @Override
  public int contextLength() {
    return cfg.maxPositions();
  }

  @Override
  public String architecture() {
    return cfg.modelType();
  }

  /** A cache for {@code batch} rows of up to {@code maxLength} positions (long contexts cost memory). */
  @Override
  public KvCache newCache(int batch, int maxLength) {
    return new KvCache(cfg.numLayers(), batch, cfg.numKvHeads(), Math.min(maxLength, cfg.maxPositions()), cfg.headDim());
  }

  @Override
  public void setCheckpointActivations(boolean on) {
    model.get().setCheckpointActivations(on);
  }

  /** ids [B, T] at positions {@code cache.length() ..} -> logits [B, T, V]; a cache grows by T. */
  @Override
  public Variable forward(int[] ids, int b, int t, KvCache cacheOrNull) {
    int pos = cacheOrNull == null ? 0 : cacheOrNull.length();
    checkIds(ids, b, t, pos);
    if (cacheOrNull != null && (cacheOrNull.layers != cfg.numLayers() || cacheOrNull.batch != b
        || cacheOrNull.kvHeads != cfg.numKvHeads() || cacheOrNull.headSize != cfg.headDim())) {
      throw new IllegalArgumentException(architecture() + ": the cache [" + cacheOrNull.layers + " layers, batch "
          + cacheOrNull.batch + ", " + cacheOrNull.kvHeads + " heads of " + cacheOrNull.headSize
          + "] does not fit this model and a batch of " + b + "; make it with newCache(" + b + ")");
    }
    if (cacheOrNull != null && pos + t > cacheOrNull.maxLength) {
      throw new IllegalArgumentException(architecture() + ": positions " + pos + ".." + (pos + t - 1)
          + " do not fit the cache's " + cacheOrNull.maxLength + " positions");
    }
    Variable x = model.get().forward(ids, b, t, cacheOrNull);                 // [B, T, C]
    if (cacheOrNull != null) cacheOrNull.advance(t);
    // x: [B, T, C] -> logits [B, T, V]
    return lmHead != null ? lmHead.get().forward(x) : F.linear(x, model.get().embedTokens().table(), null);
  }
}
