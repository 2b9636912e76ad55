package org.jlora.examples.gpt;

import java.util.Map;
import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Tensor;

/**
 * A GPT-2-shaped language model (nanoGPT's): token + position embeddings, {@code nLayer}
 * pre-LayerNorm blocks, a final LayerNorm and an untied LM head. Parameter names follow GPT-2
 * ({@code transformer.wte.weight}, {@code transformer.h.0.attn.c_attn.weight}, ...,
 * {@code lm_head.weight}) so LoRA targets and adapter keys read as PEFT users expect.
 */
public final class Gpt extends Module {
  /** Targets equal to this are not scored (PyTorch's default ignore_index). */
  public static final int IGNORE_INDEX = -100;

  private final GptConfig config;
  private final Child<Transformer> transformer;
  private final Child<Linear> lmHead;

  /** A freshly initialised model (GPT-2's init, reproducible for {@code seed}). */
  public Gpt(GptConfig config, long seed) {
    this.config = config;
    Rng rng = new Rng(seed);
    this.transformer = registerModule("transformer", new Transformer(config, rng));
    this.lmHead = registerModule("lm_head", new Linear(config.nEmbd(), config.vocabSize(), false, rng));
    initWeights(rng);
  }

  public GptConfig config() { return config; }

  public Transformer transformer() { return transformer.get(); }

  public Linear lmHead() { return lmHead.get(); }

  /**
   * GPT-2's init: every matrix and embedding N(0, 0.02), the residual projections ({@code c_proj})
   * N(0, 0.02/sqrt(2·nLayer)) so the residual stream's variance does not grow with depth, biases
   * zero, LayerNorm weights one.
   */
  private void initWeights(Rng rng) {
    float residualStd = (float) (0.02 / Math.sqrt(2.0 * config.nLayer()));
    for (Map.Entry<String, Parameter> e : namedParameters().entrySet()) {
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

  /** Token plus position embeddings: ids [B, T] -> [B, T, C] (dropout applied). */
  public Variable embed(int[] ids, int b, int t, int startPos) {
    checkIds(ids, b, t, startPos);
    int[] positions = new int[t];
    for (int i = 0; i < t; i++) positions[i] = startPos + i;
    Transformer tr = transformer.get();
    Variable tok = tr.wte().forward(ids, b, t);           // [B, T, C]
    Variable pos = tr.wpe().forward(positions, t);        // [T, C], broadcast over B
    return tr.drop().forward(F.add(tok, pos));
  }

  /** ids [B, T] (row-major) -> logits [B, T, V]. */
  public Variable forward(int[] ids, int b, int t) {
    Transformer tr = transformer.get();
    Variable x = embed(ids, b, t, 0);
    x = tr.h().forward(x);                                // [B, T, C]
    return lmHead.get().forward(tr.lnF().forward(x));     // [B, T, V]
  }

  /** Mean cross-entropy of the next-token predictions over targets that are not {@link #IGNORE_INDEX}. */
  public Variable loss(int[] ids, int[] targets, int b, int t) {
    if (targets.length != b * t) {
      throw new ShapeException("Gpt.loss: " + targets.length + " targets for a batch of [" + b + ", " + t + "]");
    }
    Variable logits = forward(ids, b, t);
    return F.crossEntropy(F.reshape(logits, b * t, config.vocabSize()), targets, IGNORE_INDEX);
  }

  private void checkIds(int[] ids, int b, int t, int startPos) {
    if (b < 1 || t < 1 || ids.length != b * t) {
      throw new ShapeException("Gpt: " + ids.length + " token ids for a batch of [" + b + ", " + t + "]");
    }
    if (startPos < 0 || startPos + t > config.blockSize()) {
      throw new IllegalArgumentException("Gpt: positions " + startPos + ".." + (startPos + t - 1)
          + " exceed the context length (block size " + config.blockSize() + ")");
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= config.vocabSize()) {
        throw new IllegalArgumentException("Gpt: token id " + ids[i] + " at position " + i
            + " is outside the vocabulary [0, " + config.vocabSize() + ")");
      }
    }
  }
}
