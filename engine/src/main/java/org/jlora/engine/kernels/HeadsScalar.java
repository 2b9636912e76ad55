package org.jlora.engine.kernels;

/**
 * Moves between row-major activations and head-major blocks ({@link HeadsGeometry}), scalar
 * reference. With grouped-query attention query head h reads key/value head {@code h / (H/Hx)},
 * so going back each row head sums its H/Hx copies (the key/value gradient). A product by the
 * scale going in; the copies added in order from zero and then scaled going out.
 */
final class HeadsScalar {
  private HeadsScalar() {}

  /** {@code heads[b, h, t] = scale · x[b, t, (part,) h / (H/Hx)]}. */
  // x: [B, T, Hx, D] or [B, T, P, Hx, D] -> heads: [B, H, T, D]
  static void toHeads(HeadsGeometry g, float scale, float[] xs, int xOff, float[] hs, int hOff) {
    for (int m = 0; m < g.b() * g.h(); m++) {
      for (int ti = 0; ti < g.t(); ti++) {
        int src = xOff + g.rowAt(m / g.h(), ti, (m % g.h()) / g.group());
        int dst = hOff + (m * g.t() + ti) * g.d();
        for (int e = 0; e < g.d(); e++) hs[dst + e] = scale * xs[src + e];
      }
    }
  }

  /** {@code x[b, t, (part,) xh] = scale · sum_r heads[b, xh·(H/Hx) + r, t]}, written (other parts untouched). */
  // heads: [B, H, T, D] -> x: [B, T, Hx, D] or [B, T, P, Hx, D]
  static void fromHeads(HeadsGeometry g, float scale, float[] hs, int hOff, float[] xs, int xOff) {
    for (int bt = 0; bt < g.b() * g.t(); bt++) {
      int bi = bt / g.t(), ti = bt % g.t();
      for (int xh = 0; xh < g.hx(); xh++) {
        int dst = xOff + g.rowAt(bi, ti, xh);
        for (int e = 0; e < g.d(); e++) {
          float sum = 0f;
          for (int r = 0; r < g.group(); r++) sum += hs[hOff + g.headRowAt(bi, xh * g.group() + r, ti) + e];
          xs[dst + e] = scale == 1f ? sum : sum * scale;
        }
      }
    }
  }
}
