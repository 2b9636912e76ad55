package org.jlora.examples.train;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import org.jlora.examples.gpt.Trainer;

/**
 * When and where a training run saves itself on the way: every {@code everySteps} steps or every
 * {@code everyTime}, whichever comes first, and when a stop is requested (Ctrl-C, SIGTERM). A
 * killed run then loses at most that much work; a stopped one loses nothing.
 *
 * <p>The default, {@value #DEFAULT_EVERY_STEPS} steps or 5 minutes, bounds the loss on a long run
 * (where 5 minutes come first) without making a short run spend its time writing (where a few
 * hundred steps take seconds and the step count comes first). The save itself is the caller's
 * ({@link SaveFn}): a whole checkpoint for pretraining, trainable weights and moments for
 * fine-tuning; it must write the directory atomically (see {@code AtomicDirectories}), so a kill
 * during a save leaves the previous checkpoint whole.
 */
public final class Checkpointing {
  /** Writes a resumable checkpoint of {@code trainer} (at {@code trainer.stepsDone()}) into {@code dir}. */
  @FunctionalInterface
  public interface SaveFn {
    void save(Path dir, Trainer trainer) throws IOException;
  }

  public static final int DEFAULT_EVERY_STEPS = 100;
  public static final Duration DEFAULT_EVERY_TIME = Duration.ofMinutes(5);

  private final Path dir;
  private final int everySteps;
  private final long everyNanos;
  private final SaveFn save;
  private int savedStep = -1;
  private long lastSaveNanos;

  /**
   * @param everySteps save after every this many steps (0: not by steps)
   * @param everyTime save when this much time has passed since the last save or the start ({@link Duration#ZERO}: not by time)
   */
  public Checkpointing(Path dir, int everySteps, Duration everyTime, SaveFn save) {
    if (everySteps < 0) throw new IllegalArgumentException("checkpoint every " + everySteps + " steps: must be >= 0");
    if (everyTime.isNegative()) throw new IllegalArgumentException("checkpoint every " + everyTime + ": must be >= 0");
    this.dir = dir;
    this.everySteps = everySteps;
    this.everyNanos = everyTime.toNanos();
    this.save = save;
    this.lastSaveNanos = System.nanoTime();
  }

  /** The directory saves go to. */
  public Path dir() {
    return dir;
  }

  /** Starts the clock of time-based saves (when training starts, not when the run was set up). */
  public void start(long nowNanos) {
    lastSaveNanos = nowNanos;
  }

  /**
   * Whether a periodic save is due after {@code step} steps of a run of {@code totalSteps}. The
   * last step is left to the caller, who saves the finished run in its own way.
   */
  public boolean due(int step, int totalSteps, long nowNanos) {
    if (step >= totalSteps || step == savedStep) return false;
    return (everySteps > 0 && step % everySteps == 0) || (everyNanos > 0 && nowNanos - lastSaveNanos >= everyNanos);
  }

  /** Saves now (unless this very step is already saved); a failure stops training with a message naming the directory. */
  public void save(Trainer trainer) {
    if (trainer.stepsDone() == savedStep) return;
    try {
      save.save(dir, trainer);
    } catch (IOException e) {
      throw new UncheckedIOException("could not save the checkpoint " + dir + " (" + e.getMessage() + "); free some disk "
          + "space or choose another output directory", e);
    }
    savedStep = trainer.stepsDone();
    lastSaveNanos = System.nanoTime();
  }

  /** The step of the last save made here, or -1. */
  public int savedStep() {
    return savedStep;
  }
}
