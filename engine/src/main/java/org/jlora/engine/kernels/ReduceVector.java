package org.jlora.engine.kernels;

import jdk.incubator.vector.DoubleVector;
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
  /** Doubles in a vector of the same width: a float vector widens into two of these. */
  private static final VectorSpecies<Double> WIDE = VectorSpecies.of(double.class, SPECIES.vectorShape());

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
   * The sum of squares of a list of tensors: every tensor cut into fixed {@link #SUM_BLOCK}-element
   * blocks, each summed in double by one thread (floats widened, squared exactly, four
   * accumulators), the block sums added in a fixed order (tensor by tensor, block by block): the
   * same bits for any thread count, though not the scalar twin's single chain (the two differ by
   * double rounding, far below the float the result is stored as, but not always nothing).
   */
  @Override
  public double sumOfSquares(float[][] xs, int[] offsets, int[] sizes) {
    // block k of the whole list is block k - first[t] of tensor t
    int[] first = new int[xs.length + 1];
    long elements = 0;
    for (int t = 0; t < xs.length; t++) {
      first[t + 1] = first[t] + (sizes[t] + SUM_BLOCK - 1) / SUM_BLOCK;
      elements += sizes[t];
    }
    double[] partial = new double[first[xs.length]];
    Parallel.forRange(partial.length, elements, (from, to) -> {
      int t = 0;
      for (int k = from; k < to; k++) {
        while (k >= first[t + 1]) t++;
        int start = (k - first[t]) * SUM_BLOCK;
        partial[k] = sumOfSquaresBlock(Math.min(SUM_BLOCK, sizes[t] - start), xs[t], offsets[t] + start);
      }
    });
    double sum = 0;
    for (double p : partial) sum += p;
    return sum;
  }

  /** {@code sum x²} over one block in double: each float vector widens into two double vectors. */
  // x: [n] at off -> scalar
  private static double sumOfSquaresBlock(int n, float[] x, int off) {
    DoubleVector s0 = DoubleVector.zero(WIDE), s1 = s0, s2 = s0, s3 = s0;
    int i = 0;
    for (int bound = n - 2 * L; i <= bound; i += 2 * L) {
      FloatVector v0 = FloatVector.fromArray(SPECIES, x, off + i);
      FloatVector v1 = FloatVector.fromArray(SPECIES, x, off + i + L);
      s0 = square(v0, 0, s0);
      s1 = square(v0, 1, s1);
      s2 = square(v1, 0, s2);
      s3 = square(v1, 1, s3);
    }
    for (int bound = SPECIES.loopBound(n); i < bound; i += L) {
      FloatVector v = FloatVector.fromArray(SPECIES, x, off + i);
      s0 = square(v, 0, s0);
      s1 = square(v, 1, s1);
    }
    DoubleVector s = s0.add(s1).add(s2.add(s3));
    double sum = 0;
    for (int lane = 0; lane < WIDE.length(); lane++) sum += s.lane(lane);   // a fixed lane order
    for (; i < n; i++) sum += (double) x[off + i] * x[off + i];
    return sum;
  }

  /** {@code acc + d·d} for half {@code part} of v widened to double (the square of a float is exact in double). */
  private static DoubleVector square(FloatVector v, int part, DoubleVector acc) {
    DoubleVector d = (DoubleVector) v.convertShape(VectorOperators.F2D, WIDE, part);
    return d.fma(d, acc);
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
