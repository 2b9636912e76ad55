package org.jlora.autograd;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jlora.engine.Rng;
import org.jlora.engine.capture.StepCapture;

/**
 * The random generators a checkpointed forward draws from, and their states before its first draw,
 * so that the recompute in backward draws the same numbers (the same dropout masks).
 *
 * <p>PyTorch's checkpoint saves and restores the one global CPU generator ({@code
 * preserve_rng_state}). Here every dropout owns its generator (a module's, a LoRA adapter's), and
 * a block does not know which ones it reaches (LoRA injects its adapters after the model is
 * built), so instead of being told, a checkpoint listens: every op that draws calls {@link
 * #beforeDraw} first, and each open {@link Recording} keeps the state a generator had the first
 * time it was seen. {@link #replay} rewinds those generators for the recompute and afterwards puts
 * back the states they had, so the rest of training draws exactly what it would without
 * checkpointing.
 */
final class RandomStates {
  private RandomStates() {}

  /** The recordings open on this thread, innermost last (a checkpoint inside a checkpointed block nests). */
  private static final ThreadLocal<List<Recording>> OPEN = ThreadLocal.withInitial(ArrayList::new);

  /** Generator -> its state before the first draw inside the recording. */
  static final class Recording implements AutoCloseable {
    private final Map<Rng, Rng.State> before = new IdentityHashMap<>();
    /**
     * In a step that is being recorded for replay ({@link StepCapture}): generator -> the state it
     * had before its first draw here in the current run, noted again by every run.
     */
    private final Map<Rng, Rng.State[]> beforeInRun = new IdentityHashMap<>();

    @Override
    public void close() {
      OPEN.get().remove(this);
    }
  }

  /** Starts noting the generators drawn from on this thread; close it to stop. */
  static Recording record() {
    Recording r = new Recording();
    OPEN.get().add(r);
    return r;
  }

  /** Ops that draw random numbers in a forward call this with the generator before the first draw. */
  static void beforeDraw(Rng rng) {
    List<Recording> open = OPEN.get();
    for (int i = 0; i < open.size(); i++) {
      Recording r = open.get(i);
      if (r.before.containsKey(rng)) continue;
      r.before.put(rng, rng.snapshot());
      Rng.State[] inRun = new Rng.State[1];
      if (StepCapture.beforeEachRun(() -> inRun[0] = rng.snapshot())) r.beforeInRun.put(rng, inRun);
    }
  }

  /**
   * Runs {@code body} with each generator of {@code rec} rewound to its recorded state, then
   * restores the states they had before the call (the recompute must not shift later draws). In
   * a step being recorded for replay, every run is told to do the same at this point, with the
   * states of that run, so a replayed recompute draws that run's masks again.
   */
  static <T> T replay(Recording rec, Supplier<T> body) {
    Map<Rng, Rng.State> states = rec.before;
    if (states.isEmpty()) return body.get();
    Map<Rng, Rng.State> now = new IdentityHashMap<>();
    for (Rng rng : states.keySet()) now.put(rng, rng.snapshot());
    states.forEach(Rng::restore);
    Map<Rng, Rng.State> nowInRun = new IdentityHashMap<>();
    boolean recorded = StepCapture.beforeEachRun(() -> rec.beforeInRun.forEach((rng, inRun) -> {
      nowInRun.put(rng, rng.snapshot());
      rng.restore(inRun[0]);
    }));
    try {
      return body.get();
    } finally {
      now.forEach(Rng::restore);
      if (recorded) StepCapture.beforeEachRun(() -> nowInRun.forEach(Rng::restore));
    }
  }
}
