package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.MatmulMicroKernel.SPECIES;
import static org.jlora.engine.kernels.MatmulMicroKernel.VLEN;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import org.jlora.engine.Parallel;

/**
 * Matmuls with a thin inner or output dimension (k or n at most {@link #THIN}, like LoRA's rank
 * r = 8): too little arithmetic per element to pay for packing, so they stream the big operand
 * once. Rows of C are independent, so splitting them across threads changes no result.
 */
final class MatmulThin {
  /** k or n at or below this takes a thin path. */
  static final int THIN = 16;

  private static final ThreadLocal<float[]> SMALL_B = ThreadLocal.withInitial(() -> new float[0]);

  private MatmulThin() {}

  /**
   * Small k: each row of C is a combination of k rows of op(B):
   * {@code C[i, :] (+)= sum_p A[i, p] · B[p, :]} (axpy rows), vectorised along n.
   */
  static void smallK(int m, int n, int k, float[] a, int aBase, boolean transA,
                     float[] b, int bBase, boolean transB, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    // B as rows [k][n]: used in place, or transposed once into a small buffer ([n, k] storage)
    float[] rowsB = b;
    int rb = bBase;
    if (transB) {
      rowsB = smallBuffer(k * n);
      rb = 0;
      for (int j = 0; j < n; j++) {
        for (int p = 0; p < k; p++) rowsB[p * n + j] = b[bBase + j * k + p];
      }
    }
    final float[] bRows = rowsB;
    final int bRow0 = rb;
    Parallel.forRange(m, parallel ? (long) m * n * k : 0, (from, to) -> {
      int bound = SPECIES.loopBound(n);
      for (int i = from; i < to; i++) {
        // A[i, p] for p < k: row i of A, or column i of A's [k, m] storage
        int aRow = transA ? aBase + i : aBase + i * k;
        int aStep = transA ? m : 1;
        int ci = cBase + i * n;
        int j = 0;
        // four vectors of the row at a time: one broadcast of A[i, p] feeds four independent FMAs
        for (; j + 4 * VLEN <= n; j += 4 * VLEN) {
          FloatVector acc0, acc1, acc2, acc3;
          if (accumulate) {
            acc0 = FloatVector.fromArray(SPECIES, c, ci + j);
            acc1 = FloatVector.fromArray(SPECIES, c, ci + j + VLEN);
            acc2 = FloatVector.fromArray(SPECIES, c, ci + j + 2 * VLEN);
            acc3 = FloatVector.fromArray(SPECIES, c, ci + j + 3 * VLEN);
          } else {
            acc0 = acc1 = acc2 = acc3 = FloatVector.zero(SPECIES);
          }
          for (int p = 0; p < k; p++) {
            FloatVector av = FloatVector.broadcast(SPECIES, a[aRow + p * aStep]);
            int bi = bRow0 + p * n + j;
            acc0 = av.fma(FloatVector.fromArray(SPECIES, bRows, bi), acc0);
            acc1 = av.fma(FloatVector.fromArray(SPECIES, bRows, bi + VLEN), acc1);
            acc2 = av.fma(FloatVector.fromArray(SPECIES, bRows, bi + 2 * VLEN), acc2);
            acc3 = av.fma(FloatVector.fromArray(SPECIES, bRows, bi + 3 * VLEN), acc3);
          }
          acc0.intoArray(c, ci + j);
          acc1.intoArray(c, ci + j + VLEN);
          acc2.intoArray(c, ci + j + 2 * VLEN);
          acc3.intoArray(c, ci + j + 3 * VLEN);
        }
        for (; j < bound; j += VLEN) {
          FloatVector acc = accumulate ? FloatVector.fromArray(SPECIES, c, ci + j) : FloatVector.zero(SPECIES);
          for (int p = 0; p < k; p++) {
            FloatVector bv = FloatVector.fromArray(SPECIES, bRows, bRow0 + p * n + j);
            acc = FloatVector.broadcast(SPECIES, a[aRow + p * aStep]).fma(bv, acc);
          }
          acc.intoArray(c, ci + j);
        }
        for (; j < n; j++) {
          float acc = accumulate ? c[ci + j] : 0f;
          for (int p = 0; p < k; p++) acc = Math.fma(a[aRow + p * aStep], bRows[bRow0 + p * n + j], acc);
          c[ci + j] = acc;
        }
      }
    });
  }

  /**
   * Small n, A not transposed: {@code C[i, j] (+)= dot(A[i, :], op(B)[:, j])}, dot products
   * along k with op(B)'s columns made contiguous (in place when B is stored [n, k]).
   */
  static void smallN(int m, int n, int k, float[] a, int aBase,
                     float[] b, int bBase, boolean transB, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    float[] colsB = b;
    int cb = bBase;
    if (!transB) {
      colsB = smallBuffer(n * k);
      cb = 0;
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < n; j++) colsB[j * k + p] = b[bBase + p * n + j];
      }
    }
    final float[] bCols = colsB;
    final int bCol0 = cb;
    Parallel.forRange(m, parallel ? (long) m * n * k : 0, (from, to) -> {
      for (int i = from; i < to; i++) {
        int ai = aBase + i * k;
        int ci = cBase + i * n;
        int j = 0;
        for (; j + 4 <= n; j += 4) {
          dot4(k, a, ai, bCols, bCol0 + j * k, c, ci + j, accumulate);
        }
        for (; j < n; j++) {
          float s = dot(k, a, ai, bCols, bCol0 + j * k);
          c[ci + j] = accumulate ? c[ci + j] + s : s;
        }
      }
    });
  }

  /** {@code C[i, j..j+3] (+)=} four dot products of one row of A with four rows of Bᵀ. */
  private static void dot4(int k, float[] a, int ai, float[] bt, int bi, float[] c, int ci,
                           boolean accumulate) {
    FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
    int bound = SPECIES.loopBound(k);
    int p = 0;
    for (; p < bound; p += VLEN) {
      FloatVector av = FloatVector.fromArray(SPECIES, a, ai + p);
      s0 = av.fma(FloatVector.fromArray(SPECIES, bt, bi + p), s0);
      s1 = av.fma(FloatVector.fromArray(SPECIES, bt, bi + k + p), s1);
      s2 = av.fma(FloatVector.fromArray(SPECIES, bt, bi + 2 * k + p), s2);
      s3 = av.fma(FloatVector.fromArray(SPECIES, bt, bi + 3 * k + p), s3);
    }
    float r0 = sumLanes(s0), r1 = sumLanes(s1), r2 = sumLanes(s2), r3 = sumLanes(s3);
    for (; p < k; p++) {
      float ap = a[ai + p];
      r0 = Math.fma(ap, bt[bi + p], r0);
      r1 = Math.fma(ap, bt[bi + k + p], r1);
      r2 = Math.fma(ap, bt[bi + 2 * k + p], r2);
      r3 = Math.fma(ap, bt[bi + 3 * k + p], r3);
    }
    if (accumulate) {
      c[ci] += r0; c[ci + 1] += r1; c[ci + 2] += r2; c[ci + 3] += r3;
    } else {
      c[ci] = r0; c[ci + 1] = r1; c[ci + 2] = r2; c[ci + 3] = r3;
    }
  }

  /** One dot product of length k, two accumulators for the FMA latency. */
  private static float dot(int k, float[] a, int ai, float[] bt, int bi) {
    FloatVector s = FloatVector.zero(SPECIES);
    int bound = SPECIES.loopBound(k);
    int p = 0;
    for (; p < bound; p += VLEN) {
      s = FloatVector.fromArray(SPECIES, a, ai + p).fma(FloatVector.fromArray(SPECIES, bt, bi + p), s);
    }
    float r = sumLanes(s);
    for (; p < k; p++) r = Math.fma(a[ai + p], bt[bi + p], r);
    return r;
  }

  /**
   * Small n, A stored transposed ([k, m], e.g. a LoRA-B gradient dYᵀ·H): vectorise along m, so
   * each step reads a contiguous run of A's storage row p; {@code C[i..i+V, j] += A[p, i..] · B[p, j]}.
   */
  static void smallNTransA(int m, int n, int k, float[] a, int aBase,
                           float[] b, int bBase, boolean transB, float[] c, int cBase,
                           boolean accumulate, boolean parallel) {
    int vectors = m / VLEN;
    // B[p, j]: at p*n + j in [k, n] storage, or j*k + p in [n, k]
    int bp = transB ? 1 : n, bj = transB ? k : 1;
    Parallel.forRange(vectors + 1, parallel ? (long) m * n * k : 0, (from, to) -> {
      float[] lanes = new float[VLEN];
      for (int v = from; v < to; v++) {
        int i = v * VLEN;
        if (v == vectors) {
          // the last m % VLEN rows, one scalar dot product each, in the same p order
          for (int ii = i; ii < m; ii++) {
            for (int j = 0; j < n; j++) {
              float s = 0f;
              for (int p = 0; p < k; p++) s = Math.fma(a[aBase + p * m + ii], b[bBase + p * bp + j * bj], s);
              int ci = cBase + ii * n + j;
              c[ci] = accumulate ? c[ci] + s : s;
            }
          }
          continue;
        }
        for (int j = 0; j < n; j++) {
          FloatVector s = FloatVector.zero(SPECIES);
          for (int p = 0; p < k; p++) {
            FloatVector av = FloatVector.fromArray(SPECIES, a, aBase + p * m + i);
            s = av.fma(FloatVector.broadcast(SPECIES, b[bBase + p * bp + j * bj]), s);
          }
          s.intoArray(lanes, 0);
          for (int l = 0; l < VLEN; l++) {
            int ci = cBase + (i + l) * n + j;
            c[ci] = accumulate ? c[ci] + lanes[l] : lanes[l];
          }
        }
      }
    });
  }

  /**
   * The sum of the lanes in a fixed butterfly order (lane i meets lane i ^ w for w = VLEN/2 .. 1).
   * Not {@code reduceLanes(ADD)}: its order is unspecified, and compiled and interpreted code
   * really do differ, which would make results depend on which thread ran a row.
   */
  static float sumLanes(FloatVector v) {
    for (VectorShuffle<Float> butterfly : BUTTERFLIES) v = v.add(v.rearrange(butterfly));
    return v.lane(0);
  }

  private static final VectorShuffle<Float>[] BUTTERFLIES = butterflies();

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Float>[] butterflies() {
    int steps = Integer.numberOfTrailingZeros(VLEN);
    VectorShuffle<Float>[] shuffles = new VectorShuffle[steps];
    for (int s = 0, w = VLEN / 2; s < steps; s++, w /= 2) {
      final int width = w;
      shuffles[s] = VectorShuffle.fromOp(SPECIES, i -> i ^ width);
    }
    return shuffles;
  }

  private static float[] smallBuffer(int size) {
    float[] buf = SMALL_B.get();
    if (buf.length < size) {
      buf = new float[size];
      SMALL_B.set(buf);
    }
    return buf;
  }
}
