package org.jlora.examples.model.gpt2;

import java.util.Map;
import org.jlora.autograd.F;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Dropout;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.LayerNorm;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.nn.Sequential;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.DecoderBlock;
import org.jlora.examples.model.KvCache;

/**
 * The GPT-2 body (Hugging Face's {@code GPT2Model}), registered as {@code transformer} so parameter
 * paths read {@code transformer.h.0.attn.c_attn.weight}: token embedding {@code wte} [V, C],
 * position embedding {@code wpe} [n_positions, C], dropout {@code drop}, the blocks
 * {@code h.0 .. h.(L-1)}, and the final LayerNorm {@code ln_f}. The models put a head on it:
 * {@link Gpt2} the tied one, the small GPT an untied {@code lm_head}.
 */
public final class Gpt2Transformer extends Module {
  private final Child<Embedding> wte;
  private final Child<Embedding> wpe;
  private final Child<Dropout> drop;
  private final Child<Sequential> h;
  private final Child<LayerNorm> lnF;
  private boolean checkpointActivations;

  /** {@code conv1d}: projection weights stored [in, out] (Hugging Face GPT-2), else [out, in] (the small GPT). */
  public Gpt2Transformer(Gpt2Config cfg, boolean conv1d, Rng rng) {
    this.wte = registerModule("wte", new Embedding(cfg.vocabSize(), cfg.nEmbd(), rng));
    this.wpe = registerModule("wpe", new Embedding(cfg.nPositions(), cfg.nEmbd(), rng));
    this.drop = registerModule("drop", new Dropout(cfg.dropout(), rng.split()));
    Gpt2Block[] blocks = new Gpt2Block[cfg.nLayer()];
    for (int i = 0; i < blocks.length; i++) blocks[i] = new Gpt2Block(cfg, conv1d, rng);
    this.h = registerModule("h", new Sequential(blocks));
    this.lnF = registerModule("ln_f", new LayerNorm(cfg.nEmbd(), cfg.layerNormEpsilon(), true));
  }

  public Embedding wte() { return wte.get(); }

  public Embedding wpe() { return wpe.get(); }

  public Dropout drop() { return drop.get(); }

  /** The blocks in order (h.0, h.1, ...). */
  public Sequential h() { return h.get(); }

  public Gpt2Block block(int i) { return (Gpt2Block) h.get().get(i); }

  public int layers() { return h.get().size(); }

  public LayerNorm lnF() { return lnF.get(); }

  /** Recompute each block in backward instead of keeping its activations (see {@link DecoderBlock#stack}). */
  public void setCheckpointActivations(boolean on) { checkpointActivations = on; }

  /**
   * ids [B, T] (checked by the model) at positions {@code cache.length() ..} (0 without a cache)
   * -> the final hidden states [B, T, C], after ln_f. With a cache every block stores its keys and
   * values, then the cache advances by T. The cache path builds no graph, so it must run under
   * NoGrad (generation); a training step with a cache would silently lose the attention's gradient.
   */
  public Variable forward(int[] ids, int b, int t, KvCache cacheOrNull) {
    if (cacheOrNull != null && NoGrad.isGradEnabled()) {
      throw new IllegalStateException("gpt2: a forward with a KV cache is for generation; run it under NoGrad");
    }
    int start = cacheOrNull == null ? 0 : cacheOrNull.length();
    // one new token reads its position row through the cache's own position array, which the
    // kernels read when they run: a recorded decode step then serves every position
    int[] positions;
    if (cacheOrNull != null && t == 1) {
      positions = cacheOrNull.position();
    } else {
      positions = new int[t];
      for (int i = 0; i < t; i++) positions[i] = start + i;
    }
    Variable tok = wte.get().forward(ids, b, t);                          // [B, T, C]
    Variable pos = wpe.get().forward(positions, t);                       // [T, C], broadcast over B
    Variable x = drop.get().forward(F.add(tok, pos));                     // [B, T, C]
    x = DecoderBlock.stack(h.get(), x, cacheOrNull, checkpointActivations);   // [B, T, C]
    if (cacheOrNull != null) cacheOrNull.advance(t);
    return lnF.get().forward(x);                                          // [B, T, C]
  }

  /**
   * GPT-2's init over every parameter of {@code model}, in its {@code namedParameters} order:
   * matrices and embeddings N(0, 0.02), the residual projections ({@code c_proj}) N(0,
   * 0.02/sqrt(2·nLayer)) so the residual stream's variance does not grow with depth, biases zero,
   * LayerNorm gains one.
   */
  public static void initWeights(Module model, int nLayer, Rng rng) {
    float residualStd = (float) (0.02 / Math.sqrt(2.0 * nLayer));
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      Tensor w = e.getValue().value();
      String name = e.getKey();
      if (name.endsWith(".bias")) {
        w.fill(0f);
      } else if (w.rank() >= 2) {
        float std = name.endsWith("c_proj.weight") ? residualStd : 0.02f;
        w.copyFrom(Tensor.randn(rng, 0f, std, w.shape()));
      } else {
        w.fill(1f);   // LayerNorm gains
      }
    }
  }
}
