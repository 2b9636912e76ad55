package org.jlora.examples.gpt;

import org.jlora.autograd.nn.Dropout;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.LayerNorm;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.nn.Sequential;
import org.jlora.engine.Rng;

/**
 * The GPT body, named as in GPT-2 so parameter paths read {@code transformer.h.0.attn.c_attn.weight}:
 * token embedding {@code wte} [V, C], position embedding {@code wpe} [T, C], dropout {@code drop},
 * the blocks {@code h.0 .. h.(L-1)}, and the final LayerNorm {@code ln_f}. {@link Gpt} runs it.
 */
public final class Transformer extends Module {
  private final Child<Embedding> wte;
  private final Child<Embedding> wpe;
  private final Child<Dropout> drop;
  private final Child<Sequential> h;
  private final Child<LayerNorm> lnF;

  public Transformer(GptConfig cfg, Rng rng) {
    this.wte = registerModule("wte", new Embedding(cfg.vocabSize(), cfg.nEmbd(), rng));
    this.wpe = registerModule("wpe", new Embedding(cfg.blockSize(), cfg.nEmbd(), rng));
    this.drop = registerModule("drop", new Dropout(cfg.dropout(), rng.split()));
    Block[] blocks = new Block[cfg.nLayer()];
    for (int i = 0; i < blocks.length; i++) blocks[i] = new Block(cfg, rng);
    this.h = registerModule("h", new Sequential(blocks));
    this.lnF = registerModule("ln_f", new LayerNorm(cfg.nEmbd()));
  }

  public Embedding wte() { return wte.get(); }

  public Embedding wpe() { return wpe.get(); }

  public Dropout drop() { return drop.get(); }

  /** The blocks in order (h.0, h.1, ...). */
  public Sequential h() { return h.get(); }

  public Block block(int i) { return (Block) h.get().get(i); }

  public LayerNorm lnF() { return lnF.get(); }
}
