package org.jlora.examples.gpt;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.CausalSelfAttention;
import org.jlora.autograd.nn.LayerNorm;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;

/**
 * One pre-LayerNorm transformer block, GPT-2's:
 * {@code x = x + attn(ln_1(x)); x = x + mlp(ln_2(x))}.
 */
public final class Block extends Module {
  private final Child<LayerNorm> ln1;
  private final Child<CausalSelfAttention> attn;
  private final Child<LayerNorm> ln2;
  private final Child<Mlp> mlp;

  public Block(GptConfig cfg, Rng rng) {
    this.ln1 = registerModule("ln_1", new LayerNorm(cfg.nEmbd()));
    this.attn = registerModule("attn", new CausalSelfAttention(cfg.nEmbd(), cfg.nHead(), cfg.dropout(), rng));
    this.ln2 = registerModule("ln_2", new LayerNorm(cfg.nEmbd()));
    this.mlp = registerModule("mlp", new Mlp(cfg, rng));
  }

  public LayerNorm ln1() { return ln1.get(); }

  public CausalSelfAttention attn() { return attn.get(); }

  public LayerNorm ln2() { return ln2.get(); }

  public Mlp mlp() { return mlp.get(); }

  /** x [B, T, C] -> [B, T, C]. */
  @Override
  public Variable forward(Variable x) {
    x = F.add(x, attn.get().forward(ln1.get().forward(x)));
    return F.add(x, mlp.get().forward(ln2.get().forward(x)));
  }
}
