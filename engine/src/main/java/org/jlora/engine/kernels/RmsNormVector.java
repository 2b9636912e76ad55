package org.jlora.engine.kernels;

import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;

/**
 * RMSNorm on the Vector API; the definition is {@link RmsNormScalar}'s. Forward and dx are
 * parallel over rows, dweight over column panels (each column sums its rows in order: no
 * atomics, the same bits for any thread count).
 *
 * <p>The products are the scalar twin's (float, same association, no FMA, which would round
 * once and give other bits) and the sums stay in double. The row sums ({@code sum x²},
 * {@code sum gw ∘ x}) run on four double accumulators rather than in one chain, so their last
 * double bits may differ from the scalar order; that moves the float {@code r} or {@code k} only
 * when the double lands within 2⁻²⁹ of a float rounding boundary, which the tests have not met.
 * dweight adds rows in the scalar order and is the scalar twin's bits exactly.
 */
final class RmsNormVector {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  /** Doubles in a vector of the same width: a float vector widens into two of these. */
  private static final VectorSpecies<Double> WIDE = VectorSpecies.of(double.class, SPECIES.vectorShape());
  private static final int L = SPECIES.length();

  private RmsNormVector() {}

  /** See {@link RmsNormScalar#forward}. */
  // x: [rows, C], weight: [C] -> y: [rows, C], rstd: [rows]
  static void forward(int rows, int cols, float[] xs, int xo, float[] ws, int wo, float eps,
                      float[] ys, int yo, float[] rs, int ro) {
    Parallel.forRange(rows, 3L * rows * cols, (from, to) -> {
      for (int i = from; i < to; i++) {
        int xRow = xo + i * cols, yRow = yo + i * cols;
        double ss = sumOfProducts(cols, xs, xRow, null, 0, xs, xRow);
        float r = (float) (1.0 / Math.sqrt((float) (ss / cols) + eps));
        rs[ro + i] = r;
        int c = 0;
        for (int bound = SPECIES.loopBound(cols); c < bound; c += L) {
          FloatVector.fromArray(SPECIES, xs, xRow + c).mul(r)
              .mul(FloatVector.fromArray(SPECIES, ws, wo + c)).intoArray(ys, yRow + c);
        }
        for (; c < cols; c++) ys[yRow + c] = (xs[xRow + c] * r) * ws[wo + c];
      }
    });
  }

  /** See {@link RmsNormScalar#backward}; dx or dweight may be null. */
  // x, dy, dx: [rows, C], weight, dweight: [C], rstd: [rows]
  static void backward(int rows, int cols, float[] xs, int xo, float[] ws, int wo, float[] rs, int ro,
                       float[] gs, int go, float[] dxs, int dxo, float[] dws, int dwo) {
    if (dxs != null) inputGradient(rows, cols, xs, xo, ws, wo, rs, ro, gs, go, dxs, dxo);
    if (dws != null) weightGradient(rows, cols, xs, xo, rs, ro, gs, go, dws, dwo);
  }

  /** {@code dx = r · g ∘ w - x · r³ · sum(g ∘ w ∘ x) / C}, parallel over rows. */
  // x, dy, dx: [rows, C], weight: [C], rstd: [rows]
  private static void inputGradient(int rows, int cols, float[] xs, int xo, float[] ws, int wo, float[] rs, int ro,
                                    float[] gs, int go, float[] dxs, int dxo) {
    Parallel.forRange(rows, 4L * rows * cols, (from, to) -> {
      for (int i = from; i < to; i++) {
        int xRow = xo + i * cols, gRow = go + i * cols, dxRow = dxo + i * cols;
        double dot = sumOfProducts(cols, gs, gRow, ws, wo, xs, xRow);   // sum(g ∘ w ∘ x)
        float r = rs[ro + i];
        float k = (float) (dot * r * r * r / cols);
        int c = 0;
        for (int bound = SPECIES.loopBound(cols); c < bound; c += L) {
          FloatVector gw = FloatVector.fromArray(SPECIES, gs, gRow + c).mul(r)
              .mul(FloatVector.fromArray(SPECIES, ws, wo + c));
          gw.sub(FloatVector.fromArray(SPECIES, xs, xRow + c).mul(k)).intoArray(dxs, dxRow + c);
        }
        for (; c < cols; c++) dxs[dxRow + c] = r * gs[gRow + c] * ws[wo + c] - xs[xRow + c] * k;
      }
    });
  }

  /**
   * {@code sum_c (a[c]·w[c])·b[c]} with float products (w null: {@code a[c]·b[c]}), summed in
   * double on four accumulators: each float vector of products widens into two double vectors.
   */
  // a, b: [cols] at their offsets, w: [cols] or null -> scalar
  private static double sumOfProducts(int cols, float[] a, int aOff, float[] w, int wOff, float[] b, int bOff) {
    DoubleVector s0 = DoubleVector.zero(WIDE), s1 = s0, s2 = s0, s3 = s0;
    int c = 0;
    for (int bound = cols - 2 * L; c <= bound; c += 2 * L) {
      FloatVector p0 = product(a, aOff + c, w, wOff + c, b, bOff + c);
      FloatVector p1 = product(a, aOff + c + L, w, wOff + c + L, b, bOff + c + L);
      s0 = s0.add(p0.convertShape(VectorOperators.F2D, WIDE, 0));
      s1 = s1.add(p0.convertShape(VectorOperators.F2D, WIDE, 1));
      s2 = s2.add(p1.convertShape(VectorOperators.F2D, WIDE, 0));
      s3 = s3.add(p1.convertShape(VectorOperators.F2D, WIDE, 1));
    }
    for (int bound = SPECIES.loopBound(cols); c < bound; c += L) {
      FloatVector p = product(a, aOff + c, w, wOff + c, b, bOff + c);
      s0 = s0.add(p.convertShape(VectorOperators.F2D, WIDE, 0));
      s1 = s1.add(p.convertShape(VectorOperators.F2D, WIDE, 1));
    }
    double sum = sumLanes(s0.add(s1).add(s2.add(s3)));
    for (; c < cols; c++) sum += w == null ? a[aOff + c] * b[bOff + c] : a[aOff + c] * w[wOff + c] * b[bOff + c];
    return sum;
  }

  private static FloatVector product(float[] a, int aOff, float[] w, int wOff, float[] b, int bOff) {
    FloatVector p = FloatVector.fromArray(SPECIES, a, aOff);
    if (w != null) p = p.mul(FloatVector.fromArray(SPECIES, w, wOff));
    return p.mul(FloatVector.fromArray(SPECIES, b, bOff));
  }

  /** The lanes added first to last: a fixed order ({@code reduceLanes} leaves it open). */
  private static double sumLanes(DoubleVector v) {
    double s = 0;
    for (int i = 0; i < WIDE.length(); i++) s += v.lane(i);
    return s;
  }

  /** {@code dw[c] = sum_i (g[i, c]·x[i, c])·r[i]} in double, rows in order; parallel over panels of L columns. */
  // x, dy: [rows, C], rstd: [rows] -> dweight: [C]
  private static void weightGradient(int rows, int cols, float[] xs, int xo, float[] rs, int ro,
                                     float[] gs, int go, float[] dws, int dwo) {
    int panels = (cols + L - 1) / L;
    Parallel.forRange(panels, 2L * rows * cols, (from, to) -> {
      double[] sums = new double[L];   // one panel's column sums, narrowed to float one by one
      for (int panel = from; panel < to; panel++) {
        int c0 = panel * L;
        if (c0 + L <= cols) {
          DoubleVector lo = DoubleVector.zero(WIDE), hi = lo;
          for (int i = 0; i < rows; i++) {
            FloatVector p = FloatVector.fromArray(SPECIES, gs, go + i * cols + c0)
                .mul(FloatVector.fromArray(SPECIES, xs, xo + i * cols + c0)).mul(rs[ro + i]);
            lo = lo.add(p.convertShape(VectorOperators.F2D, WIDE, 0));
            hi = hi.add(p.convertShape(VectorOperators.F2D, WIDE, 1));
          }
          lo.intoArray(sums, 0);
          hi.intoArray(sums, WIDE.length());
          for (int j = 0; j < L; j++) dws[dwo + c0 + j] = (float) sums[j];
        } else {
          for (int c = c0; c < cols; c++) {
            double s = 0;
            for (int i = 0; i < rows; i++) s += gs[go + i * cols + c] * xs[xo + i * cols + c] * rs[ro + i];
            dws[dwo + c] = (float) s;
          }
        }
      }
    });
  }
}
