package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;

/**
 * Reductions on the JDK Vector API; {@link ReduceScalar} is the reference.
 *
 * <p>Sums run four vector accumulators (independent add chains), then add the lanes in lane
 * order in double ({@link #sumLanes}). They do not use {@code reduceLanes(ADD)}: its order is
 * unspecified and may differ between the interpreter and the JIT, and a whole-tensor
 * {@link #sum} must give the same double on every call and for every thread count. It is cut
 * into fixed {@link #SUM_BLOCK}-element blocks whose sums are added in block order.
 */
public final class ReduceVector extends ReductionsOnHost {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();

  /** Elements per block of a whole-tensor sum or max (the unit of parallel work). */
  static final int SUM_BLOCK = 4096;
  /** Columns per parallel work item of {@link #sumColumns}: four vectors side by side. */
  private static final int COLUMN_PANEL = 4 * L;

  /** Sum of {@code x[off, off+n)}: fixed blocks, each summed in float lanes, added in double in block order. */
  @Override
  public double sum(int n, float[] x, int off) {
    int blocks = (n + SUM_BLOCK - 1) / SUM_BLOCK;
    if (blocks <= 1) return sumBlock(n, x, off);
    double[] partial = new double[blocks];
    Parallel.forRange(blocks, 1, n, (from, to) -> {
      for (int k = from; k < to; k++) {
        int start = k * SUM_BLOCK;
        partial[k] = sumBlock(Math.min(SUM_BLOCK, n - start), x, off + start);
      }
    });
    double s = 0;
    for (double p : partial) s += p;
    return s;
  }

  /**
   * {@code sum_i x[off + i]²}: the same fixed blocks as {@link #sum}, each a dot product of the
   * block with itself, added in double in block order.
   */
  @Override
  public double sumSquares(int n, float[] x, int off) {
    int blocks = (n + SUM_BLOCK - 1) / SUM_BLOCK;
    if (blocks <= 1) return dot(n, x, off, x, off);
    double[] partial = new double[blocks];
    Parallel.forRange(blocks, 1, n, (from, to) -> {
      for (int k = from; k < to; k++) {
        int start = k * SUM_BLOCK;
        partial[k] = dot(Math.min(SUM_BLOCK, n - start), x, off + start, x, off + start);
      }
    });
    double s = 0;
    for (double p : partial) s += p;
    return s;
  }

  /** Maximum of {@code x[off, off+n)}; NaN if any element is NaN; -Inf for n = 0. */
  @Override
  public float max(int n, float[] x, int off) {
    int blocks = (n + SUM_BLOCK - 1) / SUM_BLOCK;
    if (blocks <= 1) return maxOf(n, x, off);
    float[] partial = new float[blocks];
    Parallel.forRange(blocks, 1, n, (from, to) -> {
      for (int k = from; k < to; k++) {
        int start = k * SUM_BLOCK;
        partial[k] = maxOf(Math.min(SUM_BLOCK, n - start), x, off + start);
      }
    });
    return ReduceScalar.maxOf(blocks, partial, 0);
  }

  // x: [rows, cols] -> out: [rows]
  /** {@code out[r] = sum_c x[r, c]}, parallel over rows. */
  @Override
  public void sumRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    Parallel.forRange(rows, 1, (long) rows * cols, (from, to) -> {
      for (int r = from; r < to; r++) out[outOff + r] = (float) sumBlock(cols, x, xOff + r * cols);
    });
  }

  // x: [rows, cols] -> out: [rows]
  /** {@code out[r] = max_c x[r, c]}, parallel over rows. */
  @Override
  public void maxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    Parallel.forRange(rows, 1, (long) rows * cols, (from, to) -> {
      for (int r = from; r < to; r++) out[outOff + r] = maxOf(cols, x, xOff + r * cols);
    });
  }

  // x: [rows, cols] -> out: [cols]
  /**
   * {@code out[c] (+)= sum_r x[r, c]}, parallel over panels of columns. Each column adds its rows
   * in order in float, exactly as {@link ReduceScalar#sumColumns}, so the two agree bit for bit.
   */
  @Override
  public void sumColumns(int rows, int cols, float[] x, int xOff, float[] out, int outOff,
                                boolean accumulate) {
    int panels = (cols + COLUMN_PANEL - 1) / COLUMN_PANEL;
    Parallel.forRange(panels, 1, (long) rows * cols, (from, to) -> sumColumnRange(rows, cols, x, xOff,
        out, outOff, accumulate, from * COLUMN_PANEL, Math.min(cols, to * COLUMN_PANEL)));
  }

  private static void sumColumnRange(int rows, int cols, float[] x, int xOff, float[] out, int outOff,
                                     boolean accumulate, int c0, int c1) {
    int c = c0;
    for (; c + 4 * L <= c1; c += 4 * L) {
      FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
      for (int r = 0, at = xOff + c; r < rows; r++, at += cols) {
        s0 = s0.add(FloatVector.fromArray(SPECIES, x, at));
        s1 = s1.add(FloatVector.fromArray(SPECIES, x, at + L));
        s2 = s2.add(FloatVector.fromArray(SPECIES, x, at + 2 * L));
        s3 = s3.add(FloatVector.fromArray(SPECIES, x, at + 3 * L));
      }
      storeColumnSums(s0, out, outOff + c, accumulate);
      storeColumnSums(s1, out, outOff + c + L, accumulate);
      storeColumnSums(s2, out, outOff + c + 2 * L, accumulate);
      storeColumnSums(s3, out, outOff + c + 3 * L, accumulate);
    }
    for (; c + L <= c1; c += L) {
      FloatVector s = FloatVector.zero(SPECIES);
      for (int r = 0, at = xOff + c; r < rows; r++, at += cols) s = s.add(FloatVector.fromArray(SPECIES, x, at));
      storeColumnSums(s, out, outOff + c, accumulate);
    }
    for (; c < c1; c++) {
      float s = 0f;
      for (int r = 0; r < rows; r++) s += x[xOff + r * cols + c];
      out[outOff + c] = accumulate ? out[outOff + c] + s : s;
    }
  }

  private static void storeColumnSums(FloatVector s, float[] out, int at, boolean accumulate) {
    if (accumulate) s = FloatVector.fromArray(SPECIES, out, at).add(s);
    s.intoArray(out, at);
  }

  // ---------------------------------------------------------------- single-threaded building blocks

  /** Sum of {@code x[off, off+n)} on the caller: four float accumulators, lanes and tail added in double. */
  static double sumBlock(int n, float[] x, int off) {
    FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (int bound4 = n - n % (4 * L); i < bound4; i += 4 * L) {
      s0 = s0.add(FloatVector.fromArray(SPECIES, x, off + i));
      s1 = s1.add(FloatVector.fromArray(SPECIES, x, off + i + L));
      s2 = s2.add(FloatVector.fromArray(SPECIES, x, off + i + 2 * L));
      s3 = s3.add(FloatVector.fromArray(SPECIES, x, off + i + 3 * L));
    }
    for (int bound = SPECIES.loopBound(n); i < bound; i += L) {
      s0 = s0.add(FloatVector.fromArray(SPECIES, x, off + i));
    }
    double s = sumLanes(s0.add(s1).add(s2.add(s3)));
    for (; i < n; i++) s += x[off + i];
    return s;
  }

  /** {@code sum_i a[i] · b[i]} on the caller: four FMA accumulators, lanes and tail added in double. */
  static double dot(int n, float[] a, int aOff, float[] b, int bOff) {
    FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (int bound4 = n - n % (4 * L); i < bound4; i += 4 * L) {
      s0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), s0);
      s1 = FloatVector.fromArray(SPECIES, a, aOff + i + L).fma(FloatVector.fromArray(SPECIES, b, bOff + i + L), s1);
      s2 = FloatVector.fromArray(SPECIES, a, aOff + i + 2 * L).fma(FloatVector.fromArray(SPECIES, b, bOff + i + 2 * L), s2);
      s3 = FloatVector.fromArray(SPECIES, a, aOff + i + 3 * L).fma(FloatVector.fromArray(SPECIES, b, bOff + i + 3 * L), s3);
    }
    for (int bound = SPECIES.loopBound(n); i < bound; i += L) {
      s0 = FloatVector.fromArray(SPECIES, a, aOff + i).fma(FloatVector.fromArray(SPECIES, b, bOff + i), s0);
    }
    double s = sumLanes(s0.add(s1).add(s2.add(s3)));
    for (; i < n; i++) s += (double) a[aOff + i] * b[bOff + i];
    return s;
  }

  /** Maximum of {@code x[off, off+n)} on the caller; NaN if any element is NaN, -Inf for n = 0. */
  static float maxOf(int n, float[] x, int off) {
    // lanewise max is Math.max: a NaN lane stays NaN through every later max
    FloatVector m0 = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY), m1 = m0, m2 = m0, m3 = m0;
    int i = 0;
    for (int bound4 = n - n % (4 * L); i < bound4; i += 4 * L) {
      m0 = m0.max(FloatVector.fromArray(SPECIES, x, off + i));
      m1 = m1.max(FloatVector.fromArray(SPECIES, x, off + i + L));
      m2 = m2.max(FloatVector.fromArray(SPECIES, x, off + i + 2 * L));
      m3 = m3.max(FloatVector.fromArray(SPECIES, x, off + i + 3 * L));
    }
    for (int bound = SPECIES.loopBound(n); i < bound; i += L) {
      m0 = m0.max(FloatVector.fromArray(SPECIES, x, off + i));
    }
    float m = m0.max(m1).max(m2.max(m3)).reduceLanes(VectorOperators.MAX);
    for (; i < n; i++) {
      float v = x[off + i];
      if (v != v) return Float.NaN;
      if (v > m) m = v;
    }
    return m;
  }

  /** The lanes of {@code v} added in lane order, in double: the same result on every call. */
  static double sumLanes(FloatVector v) {
    double s = 0;
    for (int lane = 0; lane < L; lane++) s += v.lane(lane);
    return s;
  }
}
