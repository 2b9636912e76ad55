package org.jlora.engine.kernels;

import org.jlora.engine.RopeLayout;

/**
 * Rotary position embedding, scalar reference. Each pair (a, b) of a head's features (which
 * pairs: {@link RopeLayout}) at position p turns by its angle, read from the cos/sin tables
 * ({@link org.jlora.engine.RopeTable}):
 *
 * <pre>
 *   a' = a·cos - b·sin
 *   b' = a·sin + b·cos
 * </pre>
 *
 * A rotation is orthogonal, so backward turns the gradient back by the same angle (sin negated).
 * Two rounded products and one rounded add per output (no FMA).
 */
final class RopeScalar {
  private RopeScalar() {}

  /**
   * Turns each pair by {@code sign ·} its angle: +1 is the forward rotation, -1 its backward (the
   * transpose); y may be x itself (each pair is read before it is written).
   */
  // x: [B·T, H, D], cos, sin: [T, D/2] -> y: [B·T, H, D]
  static void rotate(int bt, int t, int h, int d, float[] x, int xo, float[] cs, int co, float[] sn, int so,
                     RopeLayout layout, float sign, float[] y, int yo) {
    int half = d / 2;
    for (int r = 0; r < bt; r++) {
      int p = r % t;
      for (int hi = 0; hi < h; hi++) {
        int row = (r * h + hi) * d;
        for (int i = 0; i < half; i++) {
          float c = cs[co + p * half + i];
          float s = sign * sn[so + p * half + i];
          int ia = row + layout.first(i, d);
          int ib = row + layout.second(i, d);
          float xa = x[xo + ia];
          float xb = x[xo + ib];
          y[yo + ia] = xa * c - xb * s;
          y[yo + ib] = xa * s + xb * c;
        }
      }
    }
  }
}
