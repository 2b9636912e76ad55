package org.jlora.examples.model.gpt2;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.LayerNorm;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;
import org.jlora.examples.model.DecoderBlock;
import org.jlora.examples.model.KvCache;

/**
 * One pre-LayerNorm transformer block, GPT-2's, written once for training and generation:
 * {@code x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))}. The small GPT and GPT-2 both stack it.
 */
public final class Gpt2Block extends Module implements DecoderBlock {
  private final Child<LayerNorm> ln1;
  private final Child<Gpt2Attention> attn;
  private final Child<LayerNorm> ln2;
  private final Child<Gpt2Mlp> mlp;

  /** {@code conv1d}: projection weights stored [in, out] (Hugging Face GPT-2), else [out, in]. */
  public Gpt2Block(Gpt2Config cfg, boolean conv1d, Rng rng) {
    this.ln1 = registerModule("ln_1", new LayerNorm(cfg.nEmbd(), cfg.layerNormEpsilon(), true));
    this.attn = registerModule("attn", new Gpt2Attention(cfg.nEmbd(), cfg.nHead(), cfg.dropout(), conv1d, rng));
    this.ln2 = registerModule("ln_2", new LayerNorm(cfg.nEmbd(), cfg.layerNormEpsilon(), true));
    this.mlp = registerModule("mlp", new Gpt2Mlp(cfg.nEmbd(), cfg.nInner(), cfg.dropout(), conv1d, rng));
  }

  public LayerNorm ln1() { return ln1.get(); }

  public Gpt2Attention attn() { return attn.get(); }

  public LayerNorm ln2() { return ln2.get(); }

  public Gpt2Mlp mlp() { return mlp.get(); }

  /** x [B, T, C] -> [B, T, C], no cache. */
  @Override
  public Variable forward(Variable x) {
    return forward(x, null, 0);
  }

  /** x [B, T, C] -> [B, T, C]; with a cache, layer {@code layer}'s keys and values go into it. */
  @Override
  public Variable forward(Variable x, KvCache cacheOrNull, int layer) {
    x = F.add(x, attn.get().forward(ln1.get().forward(x), cacheOrNull, layer));
    return F.add(x, mlp.get().forward(ln2.get().forward(x)));
  }
}
