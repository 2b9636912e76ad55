package org.jlora.examples.train;

/**
 * Notices a loss that is blowing up while it is still finite: above {@link #FACTOR} times the
 * run's first loss and rising for {@link #RISING_STEPS} steps in a row. A learning rate far too
 * high shows this way (the loss climbs from 3.4 to hundreds within a few steps) long before it
 * turns NaN, if it ever does, so the user hears about it early, once per run.
 *
 * <p>The reference is the first step's loss, the one the run started from: a mean over the first
 * few steps would already hold the explosion, and the best loss so far would raise false alarms
 * late in a healthy run, where single batches are noisy around a small mean.
 */
public final class LossWatch {
  /** How many times the first loss counts as blown up. */
  static final double FACTOR = 2.0;
  /** Consecutive rises before a warning: one bad batch is not a trend. */
  static final int RISING_STEPS = 3;

  private double first = Double.NaN;
  private double previous = Double.NaN;
  private int rising;
  private boolean warned;

  /**
   * Takes the loss of step {@code step} (1-based) at learning rate {@code lr}; returns a one-line
   * warning the first time the loss is blowing up, else null.
   */
  public String observe(int step, double loss, float lr) {
    if (Double.isNaN(first)) first = loss;
    rising = loss > previous ? rising + 1 : 0;
    previous = loss;
    if (warned || !(loss > FACTOR * first) || rising < RISING_STEPS) return null;
    warned = true;
    return String.format("warning: the loss is diverging: %.4g at step %d, %.1fx the first step's %.4g and rising for "
        + "%d steps (learning rate %s); stop and try a lower --lr", loss, step, loss / first, first, rising, lr);
  }
}
