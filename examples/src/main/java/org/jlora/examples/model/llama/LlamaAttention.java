package org.jlora.examples.model.llama;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.ops.GqaAttentionOps;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LayerSource;

/**
 * Llama's self-attention: q, k, v projections, RoPE on q and k, causal grouped-query attention,
 * the output projection. The four projections are {@link Linear} children named as in Hugging
 * Face ({@code q_proj}, {@code k_proj}, {@code v_proj}, {@code o_proj}) and are always called
 * through their slots, so a LoRA layer injected in their place takes part in the forward.
 */
public final class LlamaAttention extends Module {
  private final LlamaConfig cfg;
  private final Child<Linear> qProj;
  private final Child<Linear> kProj;
  private final Child<Linear> vProj;
  private final Child<Linear> oProj;

  /** The attention of the layer whose names start with {@code prefix} ("model.layers.0.self_attn."). */
  public LlamaAttention(LlamaConfig cfg, LayerSource layers, String prefix) {
    this.cfg = cfg;
    int c = cfg.hiddenSize();
    int qDim = cfg.numHeads() * cfg.headDim();
    this.qProj = registerModule("q_proj", Linear.class, layers.linear(prefix + "q_proj", c, qDim, cfg.attentionBias()));
    this.kProj = registerModule("k_proj", Linear.class, layers.linear(prefix + "k_proj", c, cfg.kvDim(), cfg.attentionBias()));
    this.vProj = registerModule("v_proj", Linear.class, layers.linear(prefix + "v_proj", c, cfg.kvDim(), cfg.attentionBias()));
    this.oProj = registerModule("o_proj", Linear.class, layers.linear(prefix + "o_proj", qDim, c, cfg.outputBias()));
  }

  /**
   * x [B, T, C] at positions {@code cache.length() ..} (0 without a cache) -> [B, T, C]. With a
   * cache (generation, under NoGrad) this layer's new keys and values are appended to its slot
   * {@code layer} and every query attends over all cached positions up to its own.
   */
  public Variable forward(Variable x, KvCache cacheOrNull, int layer) {
    int[] s = x.shape();
    int b = s[0];
    int t = s[1];
    int h = cfg.numHeads();
    int hkv = cfg.numKvHeads();
    int d = cfg.headDim();
    // x: [B, T, C] -> q [B, T, H, D], k and v [B, T, Hkv, D]
    Variable q = F.reshape(qProj.get().forward(x), b, t, h, d);
    Variable k = F.reshape(kProj.get().forward(x), b, t, hkv, d);
    Variable v = F.reshape(vProj.get().forward(x), b, t, hkv, d);
    Variable y;   // [B, T, H·D]
    if (cacheOrNull == null) {
      // positions enter only here: q and k turn by their position's angles
      q = F.rope(q, 0, cfg.ropeTheta(), cfg.ropeLayout());
      k = F.rope(k, 0, cfg.ropeTheta(), cfg.ropeLayout());
      y = F.groupedQueryAttention(q, k, v);
    } else {
      if (q.requiresGrad() || k.requiresGrad() || v.requiresGrad()) {
        throw new IllegalStateException("llama attention: a KV cache is for generation; run it under NoGrad "
            + "(the cached attention records no gradient)");
      }
      // the position is the cache's int[], read by the kernels when they run (so a recorded
      // decode step serves every position); the angles come from tables for the whole cache
      int[] position = cacheOrNull.position();
      q = F.ropeAt(q, position, cacheOrNull.maxLength, cfg.ropeTheta(), cfg.ropeLayout());
      k = F.ropeAt(k, position, cacheOrNull.maxLength, cfg.ropeTheta(), cfg.ropeLayout());
      y = Variable.constant(GqaAttentionOps.cached(q.value(), 0, k.value(), 0, v.value(), 0, cacheOrNull.keys(layer),
          cacheOrNull.values(layer), position));
    }
    return oProj.get().forward(y);   // [B, T, C]
  }
}
