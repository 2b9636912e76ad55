package org.jlora.examples.generate;

import java.util.List;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.CapturedProgram;
import org.jlora.engine.capture.CompiledStep;
import org.jlora.engine.capture.StepCapture;
import org.jlora.engine.capture.StepCompiler;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LanguageModel;

/**
 * One token's forward through a model with a {@link KvCache} (batch B, one position), recorded
 * once and run again for every later position, on the host ({@link org.jlora.engine.capture.ReplayStep})
 * or compiled for a device by the backend's {@link StepCompiler}: no graph is built and, on a
 * device, the weights and the cache stay resident, with one program for every position.
 *
 * <p>That works because the cached forward is the same kernel calls at every position: its only
 * per-step values are the token ids and the cache's position array, which the kernels read when
 * they run (the cache kernels, RoPE at a position, GPT-2's position row); the caches are the
 * step's state; the logits [B, 1, V] are read back after every run.
 *
 * <pre>{@code
 * DecodeStep step = DecodeStep.capture(model, cache, next);   // runs and records position cache.length()
 * float[] logits = step.capturedLogits();
 * logits = step.run(next2);                                   // the next position, replayed
 * }</pre>
 */
public final class DecodeStep implements AutoCloseable {
  private final LanguageModel model;
  private final KvCache cache;
  private final int[] ids;          // [B]: the array the recording reads; refilled every run
  private final Tensor logits;      // [B, 1, V]
  private final CompiledStep compiled;
  private final int calls;
  private final List<Runnable> hostWork;   // before every run: dropout masks drawn anew (a model in training mode)

  private DecodeStep(LanguageModel model, KvCache cache, int[] ids, Tensor logits, CompiledStep compiled, int calls,
                     List<Runnable> hostWork) {
    this.model = model;
    this.hostWork = hostWork;
    this.cache = cache;
    this.ids = ids;
    this.logits = logits;
    this.compiled = compiled;
    this.calls = calls;
  }

  /**
   * Runs the forward of {@code next} (one id per row) at the cache's position while recording
   * it, advances the cache, and compiles the recording for the current backend. Must run under
   * {@link NoGrad}. A model left in training mode keeps its dropout: every run draws the masks
   * again, as the ordinary forward would.
   *
   * @throws IllegalStateException when the forward cannot be recorded or the backend cannot run
   *     it; the cache's position is then unchanged, so the caller may run the same token the
   *     ordinary way (it rewrites the same cache rows)
   */
  public static DecodeStep capture(LanguageModel model, KvCache cache, int[] next) {
    if (NoGrad.isGradEnabled()) throw new IllegalStateException("a decode step is for generation; run it under NoGrad");
    int b = cache.batch;
    int[] ids = checkedIds(model, b, next, new int[b]);
    int pos = cache.length();
    Backend backend = Backends.current();
    CapturedProgram program;
    Variable out;
    List<Runnable> hostWork;
    try (StepCapture capture = StepCapture.begin(List.of())) {
      out = model.forward(ids, b, 1, cache);
      program = capture.end(List.of(ids, cache.position()), List.of(out.value()), cache.tensors());
      hostWork = capture.hostWork();
    } catch (RuntimeException e) {
      rewind(cache, pos);
      throw new IllegalStateException("the decode step cannot be recorded: " + e.getMessage(), e);
    }
    CompiledStep compiled;
    try {
      compiled = StepCompiler.forBackend(backend).compile(program, backend);
    } catch (RuntimeException e) {
      rewind(cache, pos);
      throw new IllegalStateException("the " + backend.name() + " backend cannot run the recorded decode step: "
          + e.getMessage(), e);
    }
    return new DecodeStep(model, cache, ids, out.value(), compiled, program.calls().size(), hostWork);
  }

  /** Puts the cache's position back (the rows written at it are written again by the next forward). */
  private static void rewind(KvCache cache, int pos) {
    cache.truncate(pos);
  }

  /** The logits [B, V] (flat) of the step that ran while it was recorded. */
  public float[] capturedLogits() {
    return logits.toArray();
  }

  /**
   * The forward of {@code next} (one id per row) at the cache's next position, from the
   * recording; advances the cache and returns the logits [B, V], flat.
   */
  public float[] run(int[] next) {
    checkedIds(model, cache.batch, next, ids);
    if (cache.length() + 1 > cache.maxLength) {
      throw new IllegalStateException("decode step: position " + cache.length() + " is past the cache's "
          + cache.maxLength + " positions");
    }
    for (Runnable work : hostWork) work.run();
    compiled.run();
    cache.advance(1);
    return logits.toArray();
  }

  /** Kernel calls per token. */
  public int calls() {
    return calls;
  }

  /** Where and how the step runs, for the user. */
  public String describe() {
    return compiled.describe();
  }

  /** Brings the cache's tensors up to date on the host (they stay on the device between runs), then frees the step. */
  @Override
  public void close() {
    try {
      compiled.syncToHost();
    } finally {
      compiled.close();
    }
  }

  /** {@code next} copied into {@code into} after checking one id per row, each in the vocabulary. */
  private static int[] checkedIds(LanguageModel model, int b, int[] next, int[] into) {
    if (next.length != b) {
      throw new IllegalArgumentException("decode step: " + next.length + " token ids for a batch of " + b);
    }
    for (int r = 0; r < b; r++) {
      if (next[r] < 0 || next[r] >= model.vocabSize()) {
        throw new IllegalArgumentException("decode step: token id " + next[r] + " of row " + r
            + " is outside the vocabulary [0, " + model.vocabSize() + ")");
      }
      into[r] = next[r];
    }
    return into;
  }
}
