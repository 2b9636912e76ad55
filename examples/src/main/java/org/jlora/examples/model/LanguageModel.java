package org.jlora.examples.model;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.ShapeException;

/**
 * A causal language model: token ids in, next-token logits out. Every architecture of the zoo
 * (the small GPT, GPT-2, the Llama family) extends this and writes its forward once:
 * {@link #forward(int[], int, int, KvCache)} serves training (no cache, autograd graph built) and
 * generation (a {@link KvCache}, under {@code NoGrad}) alike, as llama3.java threads its State.
 *
 * <p>Parameter names are the Hugging Face ones of the architecture
 * ({@code model.layers.0.self_attn.q_proj.weight}, {@code transformer.h.0.attn.c_attn.weight}), so
 * LoRA targets and adapter keys read as PEFT users expect.
 */
public abstract class LanguageModel extends Module {
  /** Targets equal to this are not scored (PyTorch's default ignore_index). */
  public static final int IGNORE_INDEX = -100;

  /** Number of token ids the model knows: logits are [.., vocabSize]. */
  public abstract int vocabSize();

  /** The longest sequence the model may see (positions 0 .. contextLength-1). */
  public abstract int contextLength();

  /** Short architecture name: {@code "llama"}, {@code "qwen2"}, {@code "gpt2"}, {@code "gpt"}. */
  public abstract String architecture();

  /** A cache for {@code batch} rows of generation, as long as the context. */
  public KvCache newCache(int batch) {
    return newCache(batch, contextLength());
  }

  /**
   * A cache for {@code batch} rows of up to {@code maxLength} positions (at most the context): a
   * generation that needs 100 positions should not hold keys and values for 8192.
   */
  public abstract KvCache newCache(int batch, int maxLength);

  /**
   * ids [B, T] (row-major) at positions {@code cache.length() ..} (0 without a cache) -> logits
   * [B, T, V]. With a cache, each layer appends its new keys and values and attends over everything
   * cached; the cache's length then grows by T.
   */
  public abstract Variable forward(int[] ids, int b, int t, KvCache cacheOrNull);

  /**
   * Activation checkpointing per block: a training forward keeps only each block's input and
   * backward recomputes the block (same loss and gradients, about a third more compute, far less
   * memory). Generation with a KV cache and forwards under NoGrad never checkpoint.
   */
  public void setCheckpointActivations(boolean on) {
    throw new UnsupportedOperationException(architecture() + ": activation checkpointing is not wired into this model");
  }

  /** ids [B, T] -> logits [B, T, V], from position 0, no cache (training). */
  public Variable forward(int[] ids, int b, int t) {
    return forward(ids, b, t, null);
  }

  /** Mean cross-entropy of the next-token predictions over targets that are not {@link #IGNORE_INDEX}. */
  public Variable loss(int[] ids, int[] targets, int b, int t) {
    if (targets.length != b * t) {
      throw new ShapeException(architecture() + ".loss: " + targets.length + " targets for a batch of [" + b + ", " + t + "]");
    }
    Variable logits = forward(ids, b, t, null);
    return F.crossEntropy(F.reshape(logits, b * t, vocabSize()), targets, IGNORE_INDEX);
  }

  /**
   * Checks ids [B, T] at {@code startPos}: the shape, the positions against the context, every id
   * against the vocabulary (a bad id would read past the embedding table).
   */
  protected void checkIds(int[] ids, int b, int t, int startPos) {
    if (b < 1 || t < 1 || ids.length != (long) b * t) {
      throw new ShapeException(architecture() + ": " + ids.length + " token ids for a batch of [" + b + ", " + t + "]");
    }
    if (startPos < 0 || startPos + t > contextLength()) {
      throw new IllegalArgumentException(architecture() + ": positions " + startPos + ".." + (startPos + t - 1)
          + " exceed the context length " + contextLength());
    }
    for (int i = 0; i < ids.length; i++) {
      if (ids[i] < 0 || ids[i] >= vocabSize()) {
        throw new IllegalArgumentException(architecture() + ": token id " + ids[i] + " at position " + i
            + " is outside the vocabulary [0, " + vocabSize() + ")");
      }
    }
  }
}
