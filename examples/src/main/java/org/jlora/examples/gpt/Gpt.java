package org.jlora.examples.gpt;

import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;
import org.jlora.engine.Rng;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.model.gpt2.Gpt2Transformer;

/**
 * The small GPT (nanoGPT's): a GPT-2 body ({@link Gpt2Transformer}: token + position embeddings,
 * {@code nLayer} pre-LayerNorm blocks, a final LayerNorm) with PyTorch Linear weights ([out, in])
 * and an untied LM head. Parameter names follow GPT-2 ({@code transformer.wte.weight},
 * {@code transformer.h.0.attn.c_attn.weight}, ..., {@code lm_head.weight}) so LoRA targets and
 * adapter keys read as PEFT users expect.
 */
public final class Gpt extends LanguageModel {
  private final GptConfig config;
  private final Child<Gpt2Transformer> transformer;
  private final Child<Linear> lmHead;

  /** A freshly initialised model (GPT-2's init, reproducible for {@code seed}). */
  public Gpt(GptConfig config, long seed) {
    this.config = config;
    Rng rng = new Rng(seed);
    this.transformer = registerModule("transformer", new Gpt2Transformer(config.toGpt2Config(), false, rng));
    this.lmHead = registerModule("lm_head", new Linear(config.nEmbd(), config.vocabSize(), false, rng));
    Gpt2Transformer.initWeights(this, config.nLayer(), rng);
  }

  public GptConfig config() { return config; }

  public Gpt2Transformer transformer() { return transformer.get(); }

  public Linear lmHead() { return lmHead.get(); }

  @Override
  public int vocabSize() { return config.vocabSize(); }

  @Override
  public int contextLength() { return config.blockSize(); }

  @Override
  public String architecture() { return "gpt"; }

  @Override
  public KvCache newCache(int batch, int maxLength) {
    return new KvCache(config.nLayer(), batch, config.nHead(), Math.min(maxLength, config.blockSize()), config.headSize());
  }

  @Override
  public void setCheckpointActivations(boolean on) {
    transformer.get().setCheckpointActivations(on);
  }

  /** ids [B, T] -> logits [B, T, V], through the body and the untied head. */
  @Override
  public Variable forward(int[] ids, int b, int t, KvCache cacheOrNull) {
    checkIds(ids, b, t, cacheOrNull == null ? 0 : cacheOrNull.length());
    Variable h = transformer.get().forward(ids, b, t, cacheOrNull);   // [B, T, C]
    return lmHead.get().forward(h);                                   // [B, T, V]
  }
}
