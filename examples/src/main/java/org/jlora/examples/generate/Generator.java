package org.jlora.examples.generate;

import java.util.Arrays;
import java.util.function.Consumer;
import org.jlora.autograd.F;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Variable;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.capture.StepCompiler;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.train.StepReplay;

/**
 * Text continuation for any {@link LanguageModel}. With a {@link KvCache} the prompt runs through
 * the model once (prefill), then each new token costs one position; without one the whole prefix
 * is recomputed for every token (the reference the cached path is tested against). Both go through
 * the model's one forward, so LoRA layers injected into it apply, merged or unmerged. Runs under
 * {@link NoGrad} in eval mode (the model's mode is restored after).
 *
 * <p>With the cache, the tokens after the first new one can come from a recorded
 * {@link DecodeStep} (one token's forward, replayed for every position: on a device the weights
 * and the cache stay resident and one compiled program serves every position). {@link #decodeReplay}
 * chooses: AUTO (the default) where the backend compiles recorded steps for a device, ON always
 * (on the CPU the recorded kernel calls are replayed), OFF never. The tokens are the same either
 * way; on the CPU the logits are the same bit for bit.
 */
public final class Generator {
  private final LanguageModel model;
  private StepReplay decodeReplay = StepReplay.AUTO;
  private Consumer<String> messages = m -> {};
  private boolean replayedLast;

  public Generator(LanguageModel model) {
    this.model = model;
  }

  /** Whether decode steps are recorded once and replayed (see the class comment); AUTO by default. */
  public Generator decodeReplay(StepReplay mode) {
    this.decodeReplay = mode;
    return this;
  }

  /** Where generation says how its decode steps run (the recorded step's description, or why not). */
  public Generator onMessage(Consumer<String> sink) {
    this.messages = sink;
    return this;
  }

  /** Whether the last {@link #generate} ran its later tokens from a recorded decode step. */
  public boolean replayedDecode() {
    return replayedLast;
  }

  /**
   * Continues {@code prompts} (B rows of equal length). Each row ends after {@code stopToken}
   * (kept in its output; -1 = never), after {@code maxNewTokens}, or when the context is full
   * (every new token but the last needs a position, and the model has {@code contextLength()});
   * {@link Generation#stops} says which.
   *
   * @param useCache false recomputes the whole prefix for every token
   */
  public Generation generate(int[][] prompts, int maxNewTokens, Sampling sampling, Rng rng, int stopToken,
                             boolean useCache) {
    int b = prompts.length;
    if (b == 0) throw new IllegalArgumentException("generate: no prompts");
    int t0 = prompts[0].length;
    for (int[] p : prompts) {
      if (p.length != t0) throw new IllegalArgumentException("generate: prompts must have equal lengths, got "
          + t0 + " and " + p.length);
    }
    int tMax = model.contextLength();
    if (t0 < 1 || t0 > tMax) {
      throw new IllegalArgumentException("generate: prompt length " + t0 + " must be in [1, the context length "
          + tMax + "]; shorten the prompt");
    }
    // every new token keeps a position, so a prompt of t0 leaves room for tMax - t0 of them
    int steps = Math.max(0, Math.min(maxNewTokens, tMax - t0));
    boolean cut = maxNewTokens > steps;
    int[] seq = new int[b * tMax];   // [B, Tmax]: prompt then continuation
    for (int r = 0; r < b; r++) System.arraycopy(prompts[r], 0, seq, r * tMax, t0);
    int[] produced = new int[b];
    boolean[] stopped = new boolean[b];
    boolean wasTraining = model.isTraining();
    model.eval();
    replayedLast = false;
    DecodeStep replay = null;
    boolean record = useCache && chooseReplay();
    try (NoGrad g = NoGrad.enter()) {
      // the prompt and every token fed back: no more positions than this generation uses
      KvCache cache = useCache ? model.newCache(b, Math.min(model.contextLength(), t0 + steps)) : null;
      int len = t0;
      float[] logits = useCache ? lastLogits(model.forward(window(seq, b, 0, len), b, len, cache))
          : lastLogits(model.forward(window(seq, b, 0, len), b, len));
      int v = model.vocabSize();
      for (int s = 0; s < steps; s++) {
        int[] next = new int[b];
        boolean allStopped = true;
        for (int r = 0; r < b; r++) {
          next[r] = sampling.pick(logits, r * v, v, rng);
          if (!stopped[r]) {
            produced[r]++;
            stopped[r] = next[r] == stopToken;
          }
          allStopped &= stopped[r];
          seq[r * tMax + len] = next[r];
        }
        if (allStopped) break;
        len++;
        if (s + 1 < steps) {
          if (!useCache) {
            logits = lastLogits(model.forward(window(seq, b, 0, len), b, len));
          } else if (replay != null) {
            logits = replay.run(next);
          } else if (record && s + 2 < steps) {
            // recorded only when it will be replayed at least once (a recording for one token is a wasted compile)
            record = false;
            replay = record(cache, next);
            logits = replay != null ? replay.capturedLogits() : lastLogits(model.forward(next, b, 1, cache));
          } else {
            logits = lastLogits(model.forward(next, b, 1, cache));
          }
        }
      }
    } finally {
      if (replay != null) replay.close();
      if (wasTraining) model.train();
    }
    int[][] out = new int[b][];
    Generation.Stop[] why = new Generation.Stop[b];
    for (int r = 0; r < b; r++) {
      out[r] = Arrays.copyOfRange(seq, r * tMax + t0, r * tMax + t0 + produced[r]);
      why[r] = stopped[r] ? Generation.Stop.STOP_TOKEN : cut ? Generation.Stop.CONTEXT_FULL
          : Generation.Stop.MAX_NEW_TOKENS;
    }
    return new Generation(out, why);
  }

  /** Whether this generation records its decode step: {@link #decodeReplay}, AUTO meaning "on a device". */
  private boolean chooseReplay() {
    return switch (decodeReplay) {
      case ON -> true;
      case OFF -> false;
      case AUTO -> StepCompiler.registeredFor(Backends.current()) != null;
    };
  }

  /** The first token after the prompt's, recorded while it runs; null (nothing changed) when it cannot be. */
  private DecodeStep record(KvCache cache, int[] next) {
    try {
      DecodeStep step = DecodeStep.capture(model, cache, next);
      replayedLast = true;
      messages.accept(Backends.current().name() + " backend, decode step: " + step.describe());
      return step;
    } catch (IllegalStateException e) {
      if (decodeReplay == StepReplay.ON) throw new IllegalStateException("--step-replay on: " + e.getMessage(), e);
      messages.accept("generating kernel by kernel, not from a recorded decode step: " + e.getMessage());
      return null;
    }
  }

  /** One prompt, with the cache. */
  public Generation generate(int[] prompt, int maxNewTokens, Sampling sampling, Rng rng, int stopToken) {
    return generate(new int[][] {prompt}, maxNewTokens, sampling, rng, stopToken, true);
  }

  /** Positions {@code [from, from+len)} of every row of {@code seq} [B, Tmax], packed as [B, len]. */
  private int[] window(int[] seq, int b, int from, int len) {
    int tMax = model.contextLength();
    int[] ids = new int[b * len];
    for (int r = 0; r < b; r++) System.arraycopy(seq, r * tMax + from, ids, r * len, len);
    return ids;
  }

  /** logits [B, T, V] -> the last position's [B, V], flat. */
  private static float[] lastLogits(Variable logits) {
    int t = logits.shape()[1];
    return F.slice(logits, 1, t - 1, t).value().toArray();
  }
}
