package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;

/**
 * The head layout moves of {@link HeadsScalar} on the Vector API, with the same bits (a product
 * and in-order adds, lane by lane). {@link #toHeads} is parallel over output heads,
 * {@link #fromHeads} over output (batch, position) rows: each output element has one writer.
 */
final class HeadsVector {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();

  private HeadsVector() {}

  /** See {@link HeadsScalar#toHeads}. */
  // x: [B, T, Hx, D] or [B, T, P, Hx, D] -> heads: [B, H, T, D]
  static void toHeads(HeadsGeometry g, float scale, float[] xs, int xOff, float[] hs, int hOff) {
    Parallel.forRange(g.b() * g.h(), (long) g.b() * g.h() * g.t() * g.d(), (from, to) -> {
      for (int m = from; m < to; m++) {
        for (int ti = 0; ti < g.t(); ti++) {
          int src = xOff + g.rowAt(m / g.h(), ti, (m % g.h()) / g.group());
          int dst = hOff + (m * g.t() + ti) * g.d();
          scaledCopy(g.d(), scale, xs, src, hs, dst);
        }
      }
    });
  }

  /** See {@link HeadsScalar#fromHeads}. */
  // heads: [B, H, T, D] -> x: [B, T, Hx, D] or [B, T, P, Hx, D]
  static void fromHeads(HeadsGeometry g, float scale, float[] hs, int hOff, float[] xs, int xOff) {
    Parallel.forRange(g.b() * g.t(), (long) g.b() * g.h() * g.t() * g.d(), (from, to) -> {
      for (int bt = from; bt < to; bt++) {
        int bi = bt / g.t(), ti = bt % g.t();
        for (int xh = 0; xh < g.hx(); xh++) {
          int first = hOff + g.headRowAt(bi, xh * g.group(), ti);
          sumCopies(g.d(), g.group(), g.t() * g.d(), scale, hs, first, xs, xOff + g.rowAt(bi, ti, xh));
        }
      }
    });
  }

  /** {@code dst[e] = scale · src[e]}. */
  private static void scaledCopy(int d, float scale, float[] src, int s, float[] dst, int o) {
    int e = 0;
    for (int bound = SPECIES.loopBound(d); e < bound; e += L) {
      FloatVector.fromArray(SPECIES, src, s + e).mul(scale).intoArray(dst, o + e);
    }
    for (; e < d; e++) dst[o + e] = scale * src[s + e];
  }

  /** {@code dst[e] = scale · (0 + src[e] + src[stride + e] + ...)}, {@code copies} rows {@code stride} apart. */
  private static void sumCopies(int d, int copies, int stride, float scale, float[] src, int s, float[] dst, int o) {
    int e = 0;
    for (int bound = SPECIES.loopBound(d); e < bound; e += L) {
      FloatVector sum = FloatVector.zero(SPECIES);
      for (int r = 0; r < copies; r++) sum = sum.add(FloatVector.fromArray(SPECIES, src, s + r * stride + e));
      (scale == 1f ? sum : sum.mul(scale)).intoArray(dst, o + e);
    }
    for (; e < d; e++) {
      float sum = 0f;
      for (int r = 0; r < copies; r++) sum += src[s + r * stride + e];
      dst[o + e] = scale == 1f ? sum : sum * scale;
    }
  }
}
