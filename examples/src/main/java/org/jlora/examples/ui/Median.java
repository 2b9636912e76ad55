package org.jlora.examples.ui;

import java.util.Arrays;

/** The median every benchmark and the trainer report (the machine is shared and noisy: no means). */
public final class Median {
  private Median() {}

  /** The median of {@code xs} (the mean of the middle two for an even count); NaN when empty. */
  public static double of(double[] xs) {
    if (xs.length == 0) return Double.NaN;
    double[] s = xs.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }
}
