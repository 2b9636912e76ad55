package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.MatmulMicroKernel.SPECIES;
import static org.jlora.engine.kernels.MatmulMicroKernel.VLEN;

import jdk.incubator.vector.FloatVector;
import org.jlora.engine.Parallel;

/**
 * Matmul with a thin inner dimension (k at most {@link #THIN}, like LoRA's up-projection
 * {@code [N, r] · [r, out]}): each row of C is a combination of k rows of op(B),
 * {@code C[i, :] (+)= sum_p A[i, p] · B[p, :]}, vectorised along n. Nothing is packed (only a
 * transposed B, which is tiny, is turned into rows once).
 *
 * <p>With k this small an accumulator's FMA chain is short, so the kernel keeps eight chains in
 * flight (two rows x four vectors) to hide the FMA latency, and shares each B load between the
 * two rows. Each element is the same FMA sequence over p whichever code path or thread did it.
 */
final class MatmulThinK {
  /** k at or below this takes this path. */
  static final int THIN = 16;

  private static final ThreadLocal<float[]> ROWS_OF_B = ThreadLocal.withInitial(() -> new float[0]);

  private final int n, k;
  private final float[] a, bRows, c;
  private final int aBase, aRowStep, aColStep, bBase, cBase;
  private final boolean accumulate;

  private MatmulThinK(int m, int n, int k, float[] a, int aBase, boolean transA,
                      float[] bRows, int bBase, float[] c, int cBase, boolean accumulate) {
    this.n = n;
    this.k = k;
    this.a = a;
    this.aBase = aBase;
    // A[i, p] at aBase + i*aRowStep + p*aColStep: [m, k] storage, or [k, m] with transA
    this.aRowStep = transA ? 1 : k;
    this.aColStep = transA ? m : 1;
    this.bRows = bRows;
    this.bBase = bBase;
    this.c = c;
    this.cBase = cBase;
    this.accumulate = accumulate;
  }

  /** {@code C[m, n] (+)= op(A)[m, k] · op(B)[k, n]} for k at most {@link #THIN}. */
  static void matmul(int m, int n, int k, float[] a, int aBase, boolean transA,
                     float[] b, int bBase, boolean transB, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    float[] rows = b;
    int rowsBase = bBase;
    if (transB) { // B stored [n, k]: copy it as rows [k][n]
      rows = rowsBuffer(k * n);
      rowsBase = 0;
      for (int j = 0; j < n; j++) {
        for (int p = 0; p < k; p++) rows[p * n + j] = b[bBase + j * k + p];
      }
    }
    MatmulThinK job = new MatmulThinK(m, n, k, a, aBase, transA, rows, rowsBase, c, cBase, accumulate);
    int pairs = (m + 1) / 2;
    int threads = parallel ? Parallel.threads() : 1;
    int chunk = MatmulChunks.size(pairs, threads, pairs);
    MatmulChunks.forEach((pairs + chunk - 1) / chunk, parallel ? (long) m * n * k : 0, threads, ch -> {
      for (int pair = ch * chunk; pair < Math.min(pairs, (ch + 1) * chunk); pair++) {
        int i = 2 * pair;
        if (i + 1 < m) {
          job.twoRows(i);
        } else {
          job.oneRow(i, 0);
        }
      }
    });
  }

  /** Rows i and i+1, four vectors of columns at a time; the rest of the columns row by row. */
  private void twoRows(int i) {
    int a0 = aBase + i * aRowStep, a1 = a0 + aRowStep;
    int c0 = cBase + i * n, c1 = c0 + n;
    int j = 0;
    for (; j + 4 * VLEN <= n; j += 4 * VLEN) {
      FloatVector s00, s01, s02, s03, s10, s11, s12, s13;
      if (accumulate) {
        s00 = load(c, c0 + j); s01 = load(c, c0 + j + VLEN);
        s02 = load(c, c0 + j + 2 * VLEN); s03 = load(c, c0 + j + 3 * VLEN);
        s10 = load(c, c1 + j); s11 = load(c, c1 + j + VLEN);
        s12 = load(c, c1 + j + 2 * VLEN); s13 = load(c, c1 + j + 3 * VLEN);
      } else {
        s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = FloatVector.zero(SPECIES);
      }
      for (int p = 0; p < k; p++) {
        // B[p, j : j + 4V] shared by both rows; A[i, p] and A[i+1, p] broadcast
        int bi = bBase + p * n + j;
        FloatVector b0 = load(bRows, bi), b1 = load(bRows, bi + VLEN);
        FloatVector b2 = load(bRows, bi + 2 * VLEN), b3 = load(bRows, bi + 3 * VLEN);
        FloatVector x0 = FloatVector.broadcast(SPECIES, a[a0 + p * aColStep]);
        FloatVector x1 = FloatVector.broadcast(SPECIES, a[a1 + p * aColStep]);
        s00 = x0.fma(b0, s00); s01 = x0.fma(b1, s01); s02 = x0.fma(b2, s02); s03 = x0.fma(b3, s03);
        s10 = x1.fma(b0, s10); s11 = x1.fma(b1, s11); s12 = x1.fma(b2, s12); s13 = x1.fma(b3, s13);
      }
      s00.intoArray(c, c0 + j); s01.intoArray(c, c0 + j + VLEN);
      s02.intoArray(c, c0 + j + 2 * VLEN); s03.intoArray(c, c0 + j + 3 * VLEN);
      s10.intoArray(c, c1 + j); s11.intoArray(c, c1 + j + VLEN);
      s12.intoArray(c, c1 + j + 2 * VLEN); s13.intoArray(c, c1 + j + 3 * VLEN);
    }
    oneRow(i, j);
    oneRow(i + 1, j);
  }

  /** Row i from column j0 on: a vector at a time, then a scalar tail. */
  private void oneRow(int i, int j0) {
    int ai = aBase + i * aRowStep;
    int ci = cBase + i * n;
    int j = j0;
    for (int bound = SPECIES.loopBound(n); j < bound; j += VLEN) {
      FloatVector s = accumulate ? load(c, ci + j) : FloatVector.zero(SPECIES);
      for (int p = 0; p < k; p++) {
        s = FloatVector.broadcast(SPECIES, a[ai + p * aColStep]).fma(load(bRows, bBase + p * n + j), s);
      }
      s.intoArray(c, ci + j);
    }
    for (; j < n; j++) {
      float s = accumulate ? c[ci + j] : 0f;
      for (int p = 0; p < k; p++) s = Math.fma(a[ai + p * aColStep], bRows[bBase + p * n + j], s);
      c[ci + j] = s;
    }
  }

  private static FloatVector load(float[] x, int i) {
    return FloatVector.fromArray(SPECIES, x, i);
  }

  private static float[] rowsBuffer(int size) {
    float[] buf = ROWS_OF_B.get();
    if (buf.length < size) {
      buf = new float[size];
      ROWS_OF_B.set(buf);
    }
    return buf;
  }
}
