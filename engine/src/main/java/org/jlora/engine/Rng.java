package org.jlora.engine;

/**
 * A small reproducible random generator (SplitMix64): the same seed gives the same stream on
 * every JVM and platform, which {@link java.util.Random} also does but this one is faster and
 * can be {@link #split() split} into independent streams for parallel or per-module use.
 */
public final class Rng {
  private long state;
  private double spareGaussian;
  private boolean hasSpare;

  public Rng(long seed) {
    this.state = seed;
  }

  /** The next 64 random bits. */
  public long nextLong() {
    long z = (state += 0x9E3779B97F4A7C15L);
    z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
    z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
    return z ^ (z >>> 31);
  }

  /** Uniform in [0, 1) with 24 random bits (every float32 step in the interval is reachable). */
  public float nextFloat() {
    return (nextLong() >>> 40) * 0x1.0p-24f;
  }

  /** Uniform in [0, 1) with 53 random bits. */
  public double nextDouble() {
    return (nextLong() >>> 11) * 0x1.0p-53;
  }

  /** Uniform in [0, bound). */
  public int nextInt(int bound) {
    if (bound <= 0) throw new IllegalArgumentException("bound must be positive: " + bound);
    return (int) ((nextLong() >>> 33) % bound);
  }

  /** N(0, 1) by the Box-Muller transform (pairs, so every second call is free). */
  public float nextGaussian() {
    if (hasSpare) {
      hasSpare = false;
      return (float) spareGaussian;
    }
    double u1;
    do {
      u1 = nextDouble();
    } while (u1 <= 0);
    double u2 = nextDouble();
    double radius = Math.sqrt(-2 * Math.log(u1));
    spareGaussian = radius * Math.sin(2 * Math.PI * u2);
    hasSpare = true;
    return (float) (radius * Math.cos(2 * Math.PI * u2));
  }

  /**
   * Everything that decides what this generator draws next. Activation checkpointing saves it
   * before a block's forward and restores it for the recompute, so dropout draws the same masks.
   */
  public record State(long state, double spareGaussian, boolean hasSpare) {}

  /** The current state; {@link #restore} of it makes the generator repeat what it draws from here. */
  public State snapshot() {
    return new State(state, spareGaussian, hasSpare);
  }

  /** Rewinds (or fast-forwards) to a state taken by {@link #snapshot}. */
  public void restore(State s) {
    state = s.state();
    spareGaussian = s.spareGaussian();
    hasSpare = s.hasSpare();
  }

  /** A new generator whose stream is independent of this one's continuation. */
  public Rng split() {
    return new Rng(nextLong() ^ 0x5DEECE66DL);
  }
}
