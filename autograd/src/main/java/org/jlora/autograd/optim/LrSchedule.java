package org.jlora.autograd.optim;

/**
 * A learning rate as a function of the step (0-based) and a group's base rate. Call
 * {@link #apply} before each {@code optimizer.step()}.
 */
@FunctionalInterface
public interface LrSchedule {
  /** The learning rate at {@code step} for a group whose base rate is {@code baseLr}. */
  float lr(int step, float baseLr);

  /** Sets every group's rate for {@code step}, from the group's initial rate. */
  default void apply(Optimizer optimizer, int step) {
    for (ParamGroup g : optimizer.groups()) g.setLr(lr(step, g.initialLr()));
  }

  /** The base rate at every step. */
  static LrSchedule constant() {
    return (step, baseLr) -> baseLr;
  }

  /**
   * nanoGPT's schedule: linear warm-up {@code base·(step+1)/warmup} for {@code step < warmup},
   * then cosine decay from base to {@code minLr} at {@code step = total}, and {@code minLr} after.
   */
  static LrSchedule warmupCosine(int warmup, int total, float minLr) {
    if (warmup < 0 || total <= warmup) {
      throw new IllegalArgumentException("warmupCosine: need 0 <= warmup < total, got " + warmup + ", " + total);
    }
    return (step, baseLr) -> {
      if (step < warmup) return baseLr * (step + 1) / warmup;
      if (step >= total) return minLr;
      double ratio = (double) (step - warmup) / (total - warmup);
      double coeff = 0.5 * (1 + Math.cos(Math.PI * ratio));
      return (float) (minLr + coeff * (baseLr - minLr));
    };
  }
}
