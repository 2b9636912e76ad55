package org.jlora.examples.model.gpt2;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.CausalSelfAttention;
import org.jlora.autograd.nn.Dropout;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.ops.GqaAttentionOps;
import org.jlora.engine.Rng;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.KvCache;

/**
 * GPT-2's multi-head causal self-attention: one fused projection to q, k, v ({@code c_attn},
 * C -> 3C), heads of size D = C / H, {@code softmax(mask(q·kᵀ / sqrt(D)))·v}, and an output
 * projection ({@code c_proj}, C -> C), with dropout on the attention weights and on the output.
 *
 * <p>One forward for training and generation: without a cache the whole sequence attends to
 * itself (the fused causal attention op, with a graph for backward); with a {@link KvCache} the new
 * keys and values are stored in it and the new queries attend over every cached position.
 *
 * <p>The projections sit in slots of type Linear, so LoRA can replace them (a Conv1D's weight is
 * stored [in, out]: its LoRA needs fan_in_fan_out).
 */
public final class Gpt2Attention extends Module {
  private final Child<Linear> cAttn;
  private final Child<Linear> cProj;
  private final Child<Dropout> attnDropout;
  private final Child<Dropout> residDropout;
  private final int nEmbd;
  private final int nHead;

  /** {@code conv1d}: weights stored [in, out] (Hugging Face GPT-2), else [out, in] (the small GPT). */
  public Gpt2Attention(int nEmbd, int nHead, float dropout, boolean conv1d, Rng rng) {
    if (nHead < 1 || nEmbd % nHead != 0) {
      throw new IllegalArgumentException("attention: n_embd " + nEmbd + " must divide by n_head " + nHead);
    }
    this.nEmbd = nEmbd;
    this.nHead = nHead;
    this.cAttn = registerModule("c_attn", Linear.class, Conv1D.projection(nEmbd, 3 * nEmbd, conv1d, rng));
    this.cProj = registerModule("c_proj", Linear.class, Conv1D.projection(nEmbd, nEmbd, conv1d, rng));
    this.attnDropout = registerModule("attn_dropout", new Dropout(dropout, rng.split()));
    this.residDropout = registerModule("resid_dropout", new Dropout(dropout, rng.split()));
  }

  public int nEmbd() { return nEmbd; }

  public int nHead() { return nHead; }

  /** x [B, T, C] -> [B, T, C], no cache. */
  @Override
  public Variable forward(Variable x) {
    return forward(x, null, 0);
  }

  /**
   * x [B, T, C] at positions {@code cache.length() ..} (0 without a cache) -> [B, T, C]. With a
   * cache, stores this layer's new keys and values in it (the model advances its length once
   * every layer has run).
   */
  public Variable forward(Variable x, KvCache cacheOrNull, int layer) {
    int[] s = x.shape();
    if (s.length != 3 || s[2] != nEmbd) {
      throw new ShapeException("attention: input " + Shapes.str(s) + ", expected [B, T, " + nEmbd + "]");
    }
    Variable qkv = cAttn.get().forward(x);                                        // [B, T, 3C]
    Dropout drop = attnDropout.get();
    Variable y;                                                                   // [B, T, C]
    if (cacheOrNull != null) {
      // over cached positions: GPT-2's fused rows [B, T, 3, H, D] are q, k, v parts 0, 1, 2
      Tensor rows = qkv.value().reshape(s[0], s[1], 3, nHead, nEmbd / nHead);
      y = Variable.constant(GqaAttentionOps.cached(rows, 0, rows, 1, rows, 2, cacheOrNull.keys(layer),
          cacheOrNull.values(layer), cacheOrNull.position()));
    } else if (drop.isTraining() && drop.p() > 0f) {
      y = CausalSelfAttention.withDropout(qkv, nHead, drop);                      // dropout on the weights
    } else {
      y = F.causalSelfAttention(qkv, nHead);                                      // fused
    }
    return residDropout.get().forward(cProj.get().forward(y));
  }
}
