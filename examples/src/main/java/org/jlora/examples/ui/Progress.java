package org.jlora.examples.ui;

import java.io.PrintStream;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * Progress of a long run (training steps, evaluation examples) on stderr, so stdout stays clean
 * for results and JSON.
 *
 * <pre>{@code
 * try (Progress progress = Progress.start("pretrain", steps, Progress.Mode.BAR)) {
 *   for (int step = 1; step <= steps; step++) {
 *     ...
 *     progress.step(step, String.format("loss %.3f | %.1fk tok/s", loss, tokensPerSecond / 1e3));
 *   }
 * }
 * }</pre>
 */
public final class Progress implements AutoCloseable {
  /** How progress is shown. */
  public enum Mode {
    /** A live bar with percentage, elapsed time and ETA on stderr. */
    BAR,
    /** Nothing at all. */
    QUIET,
    /** Nothing from here: the caller prints one JSON object a step on stdout instead. */
    JSON
  }

  /** Redraws at most this often; the bar's own thread does the drawing. */
  private static final int UPDATE_MILLIS = 250;

  private final Mode mode;
  private final long total;
  private final ProgressBar bar; // null unless mode == BAR
  private long done;
  private boolean closed;

  private Progress(Mode mode, long total, ProgressBar bar) {
    this.mode = mode;
    this.total = total;
    this.bar = bar;
  }

  /** Starts showing progress of {@code total} units of {@code task} (the bar's label). */
  public static Progress start(String task, long total, Mode mode) {
    return start(task, total, mode, System.err);
  }

  /** As {@link #start(String, long, Mode)}, drawing the bar on {@code out}. */
  public static Progress start(String task, long total, Mode mode, PrintStream out) {
    if (total < 0) throw new IllegalArgumentException("Progress.start: total must be >= 0, got " + total + " for " + task);
    if (mode != Mode.BAR) return new Progress(mode, total, null);
    ProgressBar bar = new ProgressBarBuilder()
        .setTaskName(task)
        .setInitialMax(total)
        // Unicode blocks look right in a terminal; logs and CI get plain ASCII.
        .setStyle(System.console() != null ? ProgressBarStyle.UNICODE_BLOCK : ProgressBarStyle.ASCII)
        .setUpdateIntervalMillis(UPDATE_MILLIS)
        .setConsumer(new ConsoleProgressBarConsumer(out))
        .build();
    return new Progress(mode, total, bar);
  }

  /**
   * Reports that {@code n} units are done so far (an absolute count, not an increment), with an
   * optional short status shown after the bar, e.g. "loss 1.234 | 12.3k tok/s".
   */
  public void step(long n, String extra) {
    if (closed) throw new IllegalStateException("Progress.step: already closed");
    if (n < 0) throw new IllegalArgumentException("Progress.step: n must be >= 0, got " + n);
    done = n;
    if (bar != null) {
      bar.stepTo(n);
      if (extra != null) bar.setExtraMessage(extra);
    }
  }

  /** Units reported done so far. */
  public long done() {
    return done;
  }

  public long total() {
    return total;
  }

  public Mode mode() {
    return mode;
  }

  /** Draws the final state and ends the bar's line; safe to call twice. */
  @Override
  public void close() {
    if (closed) return;
    closed = true;
    if (bar != null) bar.close();
  }
}
