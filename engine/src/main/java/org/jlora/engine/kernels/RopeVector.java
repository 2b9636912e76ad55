package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;
import org.jlora.engine.RopeLayout;

/**
 * Rotary position embedding on the Vector API, parallel over (batch, position) rows; the same
 * rotation as {@link RopeScalar} and the same bits: every output is {@code a·c ∓ b·s} with two
 * rounded products and one rounded add (no FMA, which would round once and differ).
 *
 * <ul>
 *   <li>{@link RopeLayout#HALVES}: the first and second features of consecutive pairs are
 *       contiguous (i and i + D/2), so a vector of a's, one of b's and one of cos/sin make L pairs.
 *   <li>{@link RopeLayout#INTERLEAVED}: a vector holds whole pairs (a0 b0 a1 b1 ...). Per position
 *       the tables are spread once into {@code cos2 = (c0 c0 c1 c1 ...)} and
 *       {@code sin2 = (-s0 s0 -s1 s1 ...)} and shared by the H heads; then
 *       {@code y = x·cos2 + swap(x)·sin2} with {@code swap} exchanging the lanes of each pair:
 *       {@code a·c + b·(-s)} is {@code a·c - b·s} exactly, and {@code b·c + a·s} is {@code a·s + b·c}.
 * </ul>
 */
final class RopeVector {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();
  /** Exchanges lanes 2i and 2i+1 (every species has an even lane count). */
  private static final VectorShuffle<Float> SWAP_PAIRS = VectorShuffle.fromOp(SPECIES, i -> i ^ 1);

  private RopeVector() {}

  /** See {@link RopeScalar#rotate}; y may be x. */
  // x: [B·T, H, D], cos, sin: [T, D/2] -> y: [B·T, H, D]
  static void rotate(int bt, int t, int h, int d, float[] x, int xo, float[] cs, int co, float[] sn, int so,
                     RopeLayout layout, float sign, float[] y, int yo) {
    int half = d / 2;
    Parallel.forRange(bt, 3L * bt * h * d, (from, to) -> {
      float[] cos2 = new float[d];   // INTERLEAVED only: this position's tables spread over the pairs
      float[] sin2 = new float[d];
      for (int r = from; r < to; r++) {
        int cosAt = co + (r % t) * half, sinAt = so + (r % t) * half;
        if (layout == RopeLayout.INTERLEAVED) spread(half, cs, cosAt, sn, sinAt, sign, cos2, sin2);
        for (int hi = 0; hi < h; hi++) {
          int row = (r * h + hi) * d;
          if (layout == RopeLayout.HALVES) {
            halvesRow(half, x, xo + row, cs, cosAt, sn, sinAt, sign, y, yo + row);
          } else {
            interleavedRow(d, x, xo + row, cos2, sin2, y, yo + row);
          }
        }
      }
    });
  }

  /** One head, pairs (i, i + D/2): a' = a·c - b·s, b' = a·s + b·c. */
  // x: [D] at xRow, cos, sin: [D/2] at their offsets -> y: [D] at yRow
  private static void halvesRow(int half, float[] x, int xRow, float[] cs, int cOff, float[] sn, int sOff,
                                float sign, float[] y, int yRow) {
    int i = 0;
    for (int bound = SPECIES.loopBound(half); i < bound; i += L) {
      FloatVector a = FloatVector.fromArray(SPECIES, x, xRow + i);
      FloatVector b = FloatVector.fromArray(SPECIES, x, xRow + half + i);
      FloatVector c = FloatVector.fromArray(SPECIES, cs, cOff + i);
      FloatVector s = FloatVector.fromArray(SPECIES, sn, sOff + i).mul(sign);
      a.mul(c).sub(b.mul(s)).intoArray(y, yRow + i);
      a.mul(s).add(b.mul(c)).intoArray(y, yRow + half + i);
    }
    for (; i < half; i++) {
      float c = cs[cOff + i];
      float s = sign * sn[sOff + i];
      float a = x[xRow + i];
      float b = x[xRow + half + i];
      y[yRow + i] = a * c - b * s;
      y[yRow + half + i] = a * s + b * c;
    }
  }

  /** cos2 = (c0 c0 c1 c1 ...), sin2 = (-s0 s0 -s1 s1 ...) with s = sign · sin. */
  private static void spread(int half, float[] cs, int cOff, float[] sn, int sOff, float sign,
                             float[] cos2, float[] sin2) {
    for (int i = 0; i < half; i++) {
      float s = sign * sn[sOff + i];
      cos2[2 * i] = cs[cOff + i];
      cos2[2 * i + 1] = cs[cOff + i];
      sin2[2 * i] = -s;
      sin2[2 * i + 1] = s;
    }
  }

  /** One head, pairs (2i, 2i + 1): y = x·cos2 + swap(x)·sin2; the tail (whole pairs) is scalar. */
  // x: [D] at xRow, cos2, sin2: [D] -> y: [D] at yRow
  private static void interleavedRow(int d, float[] x, int xRow, float[] cos2, float[] sin2, float[] y, int yRow) {
    int j = 0;
    for (int bound = SPECIES.loopBound(d); j < bound; j += L) {   // bound is a multiple of L: even
      FloatVector v = FloatVector.fromArray(SPECIES, x, xRow + j);
      FloatVector swapped = v.rearrange(SWAP_PAIRS);
      v.mul(FloatVector.fromArray(SPECIES, cos2, j))
          .add(swapped.mul(FloatVector.fromArray(SPECIES, sin2, j)))
          .intoArray(y, yRow + j);
    }
    for (; j < d; j += 2) {
      float c = cos2[j];
      float s = sin2[j + 1];
      float a = x[xRow + j];
      float b = x[xRow + j + 1];
      y[yRow + j] = a * c - b * s;
      y[yRow + j + 1] = a * s + b * c;
    }
  }
}
