package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.MatmulMicroKernel.SPECIES;
import static org.jlora.engine.kernels.MatmulMicroKernel.VLEN;

import jdk.incubator.vector.FloatVector;
import org.jlora.engine.Bf16;
import org.jlora.engine.Parallel;

/**
 * A matrix times one column: {@code c[m, 1] (+)= A[m, k] · b[k, 1]}, A stored [m, k], f32 or bf16
 * bits. This is a generated token through a weight kept [out, in] (a Hugging Face Linear, the
 * head tied to the embedding): {@code yᵀ = W·xᵀ}, one dot product along each contiguous row of W.
 * At batch 1 all of W is read for one token, so this product bounds generation's speed: W is
 * streamed once, in order, several rows side by side ({@link #ROWS}, {@link #BF16_ROWS}: that
 * many independent FMA chains where one dot product at a time waited on the FMA latency),
 * threads splitting the rows.
 *
 * <p>Each c[i] is exactly {@link MatmulThinN}'s dot product: one vector accumulator
 * {@code s = fma(A[i, p : p+V], b[p : p+V], s)} over the whole vectors of the row in order, its
 * lanes summed in {@link Lanes}' butterfly order, the last {@code k mod V} terms added by scalar
 * FMAs, then added to c or stored. So the result is bit-identical to the thin-n path (which this
 * shape took before) and to itself for any thread count.
 *
 * <p>A bf16 A is widened in registers as it is loaded ({@link Bf16Widen#load}): half the bytes
 * cross the memory bus, and the result is that of the widened A, bit for bit.
 */
final class MatmulColumnVector {
  private MatmulColumnVector() {}

  /**
   * Rows of A in flight for an f32 A: eight accumulators, eight loads of A and one of b per step.
   * (One row at a time left the loop waiting on the FMA latency; four ran slower than eight.)
   */
  static final int ROWS = 8;
  /**
   * Rows in flight for a bf16 A: four. Eight made the method too big for C2
   * (NodeCountInliningCutoff: widening helpers left out of line, their vectors boxed), and four
   * chains already outrun memory.
   */
  static final int BF16_ROWS = 4;

  /** a [m, k] from aBase, b [k] from bBase -> c [m] from cBase. */
  // a: [m, k] f32, b: [k, 1] -> c: [m, 1]
  static void matmul(int m, int k, float[] a, int aBase, float[] b, int bBase, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    int bound = SPECIES.loopBound(k);
    forGroups(m, k, ROWS, parallel, (i, rows, lanes) -> {
      for (int r = 0; r < rows; r += ROWS) {
        int n = Math.min(ROWS, rows - r);
        int ai = aBase + (i + r) * k;
        if (n == ROWS) {
          eight(k, a, ai, b, bBase, lanes);
        } else {
          for (int q = 0; q < n; q++) one(k, a, ai + q * k, b, bBase, lanes, q);
        }
        Lanes.sums(lanes, n);
        for (int q = 0; q < n; q++) {
          float s = lanes[q * VLEN];
          for (int p = bound; p < k; p++) s = Math.fma(a[ai + q * k + p], b[bBase + p], s);
          int ci = cBase + i + r + q;
          c[ci] = accumulate ? c[ci] + s : s;
        }
      }
    });
  }

  /** {@link #matmul} with A kept as bf16 bits, widened in registers as it is read. */
  // a: [m, k] bf16, b: [k, 1] -> c: [m, 1]
  static void matmul(int m, int k, short[] a, int aBase, float[] b, int bBase, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    int bound = SPECIES.loopBound(k);
    forGroups(m, k, BF16_ROWS, parallel, (i, rows, lanes) -> {
      for (int r = 0; r < rows; r += BF16_ROWS) {
        int n = Math.min(BF16_ROWS, rows - r);
        int ai = aBase + (i + r) * k;
        if (n == BF16_ROWS) {
          four(k, a, ai, b, bBase, lanes);
        } else {
          for (int q = 0; q < n; q++) one(k, a, ai + q * k, b, bBase, lanes, q);
        }
        Lanes.sums(lanes, n);
        for (int q = 0; q < n; q++) {
          float s = lanes[q * VLEN];
          for (int p = bound; p < k; p++) s = Math.fma(Bf16.toFloat(a[ai + q * k + p]), b[bBase + p], s);
          int ci = cBase + i + r + q;
          c[ci] = accumulate ? c[ci] + s : s;
        }
      }
    });
  }

  /** Rows {@code [i, i + rows)} of c; {@code lanes} is this thread's scratch of a group's accumulators. */
  private interface Rows {
    void run(int i, int rows, float[] lanes);
  }

  /** Runs {@code body} on chunks of whole groups of {@code group} rows (the last may be short), among threads. */
  private static void forGroups(int m, int k, int group, boolean parallel, Rows body) {
    int groups = (m + group - 1) / group;
    int threads = parallel ? Parallel.threads() : 1;
    int chunk = MatmulChunks.size(groups, threads, groups);
    MatmulChunks.forEach((groups + chunk - 1) / chunk, parallel ? (long) m * k : 0, threads, ch -> {
      int i = ch * chunk * group;
      body.run(i, Math.min(m, i + chunk * group) - i, new float[group * VLEN]);
    });
  }

  /**
   * The vector part of eight rows' dot products (A's rows k apart from {@code ai}), their
   * accumulators stored to {@code lanes} one after another. Stored, not handed to a helper or
   * summed here: with eight inlined copies of the vector lane sum this method grew too big for
   * C2, which then left calls out of line (a vector passed to a method that is not inlined is
   * boxed) or ran them through the Vector API's Java fallback, either costing more than the
   * product. {@link Lanes#sums} finishes them in scalar code, in the same order.
   */
  // a: 8 rows [8, k] f32, b: [k] -> lanes [8][V]
  private static void eight(int k, float[] a, int ai, float[] b, int bi, float[] lanes) {
    FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0;
    int a1 = ai + k, a2 = a1 + k, a3 = a2 + k, a4 = a3 + k, a5 = a4 + k, a6 = a5 + k, a7 = a6 + k;
    for (int p = 0, bound = SPECIES.loopBound(k); p < bound; p += VLEN) {
      FloatVector x = FloatVector.fromArray(SPECIES, b, bi + p);
      s0 = FloatVector.fromArray(SPECIES, a, ai + p).fma(x, s0);
      s1 = FloatVector.fromArray(SPECIES, a, a1 + p).fma(x, s1);
      s2 = FloatVector.fromArray(SPECIES, a, a2 + p).fma(x, s2);
      s3 = FloatVector.fromArray(SPECIES, a, a3 + p).fma(x, s3);
      s4 = FloatVector.fromArray(SPECIES, a, a4 + p).fma(x, s4);
      s5 = FloatVector.fromArray(SPECIES, a, a5 + p).fma(x, s5);
      s6 = FloatVector.fromArray(SPECIES, a, a6 + p).fma(x, s6);
      s7 = FloatVector.fromArray(SPECIES, a, a7 + p).fma(x, s7);
    }
    s0.intoArray(lanes, 0); s1.intoArray(lanes, VLEN); s2.intoArray(lanes, 2 * VLEN); s3.intoArray(lanes, 3 * VLEN);
    s4.intoArray(lanes, 4 * VLEN); s5.intoArray(lanes, 5 * VLEN); s6.intoArray(lanes, 6 * VLEN);
    s7.intoArray(lanes, 7 * VLEN);
  }

  /** {@link #eight} for four rows with A as bf16 bits. */
  // a: 4 rows [4, k] bf16, b: [k] -> lanes [4][V]
  private static void four(int k, short[] a, int ai, float[] b, int bi, float[] lanes) {
    FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
    int a1 = ai + k, a2 = a1 + k, a3 = a2 + k;
    for (int p = 0, bound = SPECIES.loopBound(k); p < bound; p += VLEN) {
      FloatVector x = FloatVector.fromArray(SPECIES, b, bi + p);
      s0 = Bf16Widen.load(a, ai + p).fma(x, s0);
      s1 = Bf16Widen.load(a, a1 + p).fma(x, s1);
      s2 = Bf16Widen.load(a, a2 + p).fma(x, s2);
      s3 = Bf16Widen.load(a, a3 + p).fma(x, s3);
    }
    s0.intoArray(lanes, 0); s1.intoArray(lanes, VLEN); s2.intoArray(lanes, 2 * VLEN); s3.intoArray(lanes, 3 * VLEN);
  }

  /** One row's vector part (a row past the last whole group), its accumulator to {@code lanes[q·V :]}. */
  private static void one(int k, float[] a, int ai, float[] b, int bi, float[] lanes, int q) {
    FloatVector s = FloatVector.zero(SPECIES);
    for (int p = 0, bound = SPECIES.loopBound(k); p < bound; p += VLEN) {
      s = FloatVector.fromArray(SPECIES, a, ai + p).fma(FloatVector.fromArray(SPECIES, b, bi + p), s);
    }
    s.intoArray(lanes, q * VLEN);
  }

  private static void one(int k, short[] a, int ai, float[] b, int bi, float[] lanes, int q) {
    FloatVector s = FloatVector.zero(SPECIES);
    for (int p = 0, bound = SPECIES.loopBound(k); p < bound; p += VLEN) {
      s = Bf16Widen.load(a, ai + p).fma(FloatVector.fromArray(SPECIES, b, bi + p), s);
    }
    s.intoArray(lanes, q * VLEN);
  }
}
