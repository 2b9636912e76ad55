package org.jlora.engine.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * The small products inside one attention head ({@link CausalAttentionVector}), where every
 * operand is a few KiB already in L1 and the packed matmul's setup (packing, chunking, thread
 * hand-off) would cost more than the arithmetic:
 *
 * <pre>
 *   C[i, 0:n] (+)= sum_{p in [p0, p1)} A(i, p) · B[p, 0:n]      for up to 4 rows i at a time
 *   A(i, p) = a[aOff + i·ars + p·aps]   (any strides: P, or Pᵀ read in place)
 *   B, C row-major with leading dimensions ldb, ldc
 * </pre>
 *
 * A register tile is 4 rows by 2 vectors (8 accumulators): per p it loads 2 vectors of B and
 * broadcasts 4 scalars of A for 8 FMAs. Columns past the last full pair of vectors go through
 * masks. Each element of C is one FMA chain over p in increasing order, so results do not depend
 * on the thread that computes them.
 */
final class AttentionTiles {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();

  private AttentionTiles() {}

  /** Up to 4 rows of C: see the class note. */
  static void rows(int rows, int p0, int p1, int n, float[] a, int aOff, int ars, int aps,
                   float[] b, int bOff, int ldb, float[] c, int cOff, int ldc, boolean accumulate) {
    int j = 0;
    if (rows == 4) {
      for (; j + 2 * L <= n; j += 2 * L) {
        four(p0, p1, a, aOff, ars, aps, b, bOff + j, ldb, c, cOff + j, ldc, accumulate);
      }
    }
    for (int r = 0; r < rows; r++) {
      int ar = aOff + r * ars, cr = cOff + r * ldc;
      for (int jj = j; jj < n; jj += L) one(p0, p1, a, ar, aps, b, bOff + jj, ldb, c, cr + jj, n - jj, accumulate);
    }
  }

  /** 4 rows by 2 full vectors. */
  private static void four(int p0, int p1, float[] a, int aOff, int ars, int aps, float[] b, int bOff, int ldb,
                           float[] c, int cOff, int ldc, boolean accumulate) {
    FloatVector c00, c01, c10, c11, c20, c21, c30, c31;
    if (accumulate) {
      c00 = FloatVector.fromArray(SPECIES, c, cOff);
      c01 = FloatVector.fromArray(SPECIES, c, cOff + L);
      c10 = FloatVector.fromArray(SPECIES, c, cOff + ldc);
      c11 = FloatVector.fromArray(SPECIES, c, cOff + ldc + L);
      c20 = FloatVector.fromArray(SPECIES, c, cOff + 2 * ldc);
      c21 = FloatVector.fromArray(SPECIES, c, cOff + 2 * ldc + L);
      c30 = FloatVector.fromArray(SPECIES, c, cOff + 3 * ldc);
      c31 = FloatVector.fromArray(SPECIES, c, cOff + 3 * ldc + L);
    } else {
      c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = FloatVector.zero(SPECIES);
    }
    int a0 = aOff, a1 = aOff + ars, a2 = aOff + 2 * ars, a3 = aOff + 3 * ars;
    for (int p = p0; p < p1; p++) {
      int bp = bOff + p * ldb, ap = p * aps;
      FloatVector b0 = FloatVector.fromArray(SPECIES, b, bp);
      FloatVector b1 = FloatVector.fromArray(SPECIES, b, bp + L);
      FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + ap]);
      c00 = b0.fma(x, c00);
      c01 = b1.fma(x, c01);
      x = FloatVector.broadcast(SPECIES, a[a1 + ap]);
      c10 = b0.fma(x, c10);
      c11 = b1.fma(x, c11);
      x = FloatVector.broadcast(SPECIES, a[a2 + ap]);
      c20 = b0.fma(x, c20);
      c21 = b1.fma(x, c21);
      x = FloatVector.broadcast(SPECIES, a[a3 + ap]);
      c30 = b0.fma(x, c30);
      c31 = b1.fma(x, c31);
    }
    c00.intoArray(c, cOff);
    c01.intoArray(c, cOff + L);
    c10.intoArray(c, cOff + ldc);
    c11.intoArray(c, cOff + ldc + L);
    c20.intoArray(c, cOff + 2 * ldc);
    c21.intoArray(c, cOff + 2 * ldc + L);
    c30.intoArray(c, cOff + 3 * ldc);
    c31.intoArray(c, cOff + 3 * ldc + L);
  }

  /** One row, one vector of up to {@code left} columns (masked when fewer than a vector). */
  private static void one(int p0, int p1, float[] a, int aOff, int aps, float[] b, int bOff, int ldb,
                          float[] c, int cOff, int left, boolean accumulate) {
    if (left >= L) {
      FloatVector acc = accumulate ? FloatVector.fromArray(SPECIES, c, cOff) : FloatVector.zero(SPECIES);
      for (int p = p0; p < p1; p++) {
        acc = FloatVector.fromArray(SPECIES, b, bOff + p * ldb).fma(FloatVector.broadcast(SPECIES, a[aOff + p * aps]), acc);
      }
      acc.intoArray(c, cOff);
    } else {
      VectorMask<Float> m = SPECIES.indexInRange(0, left);
      FloatVector acc = accumulate ? FloatVector.fromArray(SPECIES, c, cOff, m) : FloatVector.zero(SPECIES);
      for (int p = p0; p < p1; p++) {
        acc = FloatVector.fromArray(SPECIES, b, bOff + p * ldb, m)
            .fma(FloatVector.broadcast(SPECIES, a[aOff + p * aps]), acc);
      }
      acc.intoArray(c, cOff, m);
    }
  }

  /** {@code dst[j·ldd + i] = src[sOff + i·d + j]}: a head's [t, d] rows as [d, t] (ldd >= t). */
  static void transpose(int t, int d, float[] src, int sOff, float[] dst, int ldd) {
    for (int i = 0; i < t; i++) {
      int s = sOff + i * d;
      for (int j = 0; j < d; j++) dst[j * ldd + i] = src[s + j];
    }
  }

  /**
   * Softmax of the first {@code visible} entries of a row of {@code width}, in place; the rest
   * of the row is set to 0. As {@link RowsVector}'s softmax: whole vectors through the vector
   * exp, the last partial vector's keys through {@code Math.exp} (so a row agrees with the
   * KV-cache path's softmax to the last bits the scores allow). No masked lanewise operations and
   * no lane-sum call: in C2 both fell back to Java code, and boxed. {@code lanes}: scratch of one
   * vector's length.
   */
  static void causalSoftmaxRow(float[] p, int row, int visible, int width, float[] lanes) {
    int whole = visible / L * L;
    FloatVector vmax = FloatVector.broadcast(SPECIES, Float.NEGATIVE_INFINITY);
    for (int c = 0; c < whole; c += L) vmax = vmax.max(FloatVector.fromArray(SPECIES, p, row + c));
    float max = vmax.reduceLanes(VectorOperators.MAX);
    for (int c = whole; c < visible; c++) max = Math.max(max, p[row + c]);
    // whole vectors of visible keys through the vector exp, the rest of the row in Math.exp (the
    // reference's exp; as RowsVector's softmax does), the exp alone in its loop (see VectorMath: a
    // bigger body keeps C2 from inlining it, and boxes)
    int fits = whole;
    for (int c = 0; c < fits; c += L) {
      VectorMath.exp(FloatVector.fromArray(SPECIES, p, row + c).sub(max)).intoArray(p, row + c);
    }
    FloatVector acc = FloatVector.zero(SPECIES);
    for (int c = 0; c < fits; c += L) acc = acc.add(FloatVector.fromArray(SPECIES, p, row + c));
    acc.intoArray(lanes, 0);      // a fixed order, and no call a vector must be boxed for
    double sum = 0;
    for (int i = 0; i < L; i++) sum += lanes[i];
    for (int c = fits; c < visible; c++) {
      float e = (float) Math.exp(p[row + c] - max);
      p[row + c] = e;
      sum += e;
    }
    Arrays.fill(p, row + visible, row + width, 0f);
    float inv = (float) (1.0 / sum);
    for (int c = 0; c < fits; c += L) FloatVector.fromArray(SPECIES, p, row + c).mul(inv).intoArray(p, row + c);
    for (int c = fits; c < visible; c++) p[row + c] *= inv;
  }

  /**
   * Softmax backward of a causal row in place: {@code ds[j] = p[j]·(ds[j] - sum_j ds[j]·p[j])}
   * for {@code j < visible}, 0 for the rest of the row of {@code width} (whatever it held).
   * Whole vectors as in {@link #causalSoftmaxRow}; p is 0 past the visible keys.
   */
  static void causalSoftmaxBackwardRow(float[] p, int pRow, float[] ds, int dRow, int visible, int width,
                                       float[] lanes) {
    Arrays.fill(ds, dRow + visible, dRow + width, 0f);
    int fits = Math.min((visible + L - 1) / L * L, width / L * L);
    FloatVector acc = FloatVector.zero(SPECIES);
    for (int c = 0; c < fits; c += L) {
      acc = FloatVector.fromArray(SPECIES, ds, dRow + c).fma(FloatVector.fromArray(SPECIES, p, pRow + c), acc);
    }
    acc.intoArray(lanes, 0);
    double sum = 0;
    for (int i = 0; i < L; i++) sum += lanes[i];
    for (int c = fits; c < visible; c++) sum += ds[dRow + c] * p[pRow + c];
    float dot = (float) sum;
    for (int c = 0; c < fits; c += L) {
      FloatVector.fromArray(SPECIES, ds, dRow + c).sub(dot).mul(FloatVector.fromArray(SPECIES, p, pRow + c))
          .intoArray(ds, dRow + c);
    }
    for (int c = fits; c < visible; c++) ds[dRow + c] = (ds[dRow + c] - dot) * p[pRow + c];
    Arrays.fill(ds, dRow + visible, dRow + width, 0f);   // (0 - dot)·0 may have left -0
  }
}
