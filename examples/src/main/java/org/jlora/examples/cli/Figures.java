package org.jlora.examples.cli;

/** How the commands check counts and print figures: sizes in KiB/MiB, fixed decimals, percentages. */
final class Figures {
  private Figures() {}

  static int pos(Integer v, int dflt, String name) {
    if (v == null) return dflt;
    if (v < 1) throw new IllegalArgumentException(name + " must be >= 1, got " + v);
    return v;
  }

  static String bytes(long b) {
    if (b < 1024) return b + " B";
    if (b < 1024 * 1024) return String.format("%.1f KiB", b / 1024.0);
    return String.format("%.1f MiB", b / (1024.0 * 1024));
  }

  static String fmt(double v, int digits) {
    return String.format("%." + digits + "f", v);
  }

  static String pct(double v) {
    return String.format("%.1f%%", 100 * v);
  }
}
