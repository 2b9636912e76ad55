package org.jlora.examples.model.llama;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.nn.RMSNorm;
import org.jlora.examples.model.DecoderBlock;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LayerSource;

/**
 * One pre-norm Llama block:
 *
 * <pre>
 *   h = x + self_attn(input_layernorm(x))
 *   y = h + mlp(post_attention_layernorm(h))
 * </pre>
 */
public final class LlamaDecoderLayer extends Module implements DecoderBlock {
  private final Child<RMSNorm> inputLayernorm;
  private final Child<LlamaAttention> selfAttn;
  private final Child<RMSNorm> postAttentionLayernorm;
  private final Child<LlamaMlp> mlp;

  /** Layer {@code prefix} ("model.layers.0."). */
  public LlamaDecoderLayer(LlamaConfig cfg, LayerSource layers, String prefix) {
    this.inputLayernorm = registerModule("input_layernorm", new RMSNorm(cfg.hiddenSize(), cfg.rmsEps()));
    this.selfAttn = registerModule("self_attn", new LlamaAttention(cfg, layers, prefix + "self_attn."));
    this.postAttentionLayernorm = registerModule("post_attention_layernorm", new RMSNorm(cfg.hiddenSize(), cfg.rmsEps()));
    this.mlp = registerModule("mlp", new LlamaMlp(cfg, layers, prefix + "mlp."));
  }

  public LlamaAttention selfAttn() {
    return selfAttn.get();
  }

  public LlamaMlp mlp() {
    return mlp.get();
  }

  /** x [B, T, C] -> [B, T, C]; {@code layer} is this block's slot in the cache (ignored without one). */
  @Override
  public Variable forward(Variable x, KvCache cacheOrNull, int layer) {
    Variable h = F.add(x, selfAttn.get().forward(inputLayernorm.get().forward(x), cacheOrNull, layer));
    return F.add(h, mlp.get().forward(postAttentionLayernorm.get().forward(h)));
  }
}
