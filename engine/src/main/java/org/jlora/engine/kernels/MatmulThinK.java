package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.MatmulMicroKernel.SPECIES;
import static org.jlora.engine.kernels.MatmulMicroKernel.VLEN;

import jdk.incubator.vector.FloatVector;
import org.jlora.engine.Bf16;
import org.jlora.engine.Parallel;

/**
 * Matmul with a thin inner dimension (k at most {@link #THIN}, like LoRA's up-projection
 * {@code [N, r] · [r, out]}): each row of C is a combination of k rows of op(B),
 * {@code C[i, :] (+)= sum_p A[i, p] · B[p, :]}, vectorised along n. Nothing is packed (only a
 * transposed or bf16 B, which is tiny, is turned into f32 rows once).
 *
 * <p>With k this small an accumulator's FMA chain is short, so the kernel keeps 16 chains in
 * flight (four rows x four vectors) to hide the FMA latency, and shares each B load between the
 * four rows. Each element is the same FMA sequence over p whichever code path or thread did it.
 */
final class MatmulThinK {
  /** k at or below this takes this path. */
  static final int THIN = 16;

  private static final ThreadLocal<float[]> ROWS_OF_B = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> WIDENED_A = ThreadLocal.withInitial(() -> new float[0]);

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
    if (!transB) {
      run(m, n, k, a, aBase, transA, b, bBase, c, cBase, accumulate, parallel);
      return;
    }
    // B stored [n, k]: copy it as rows [k][n]
    float[] rows = buffer(ROWS_OF_B, k * n);
    for (int j = 0; j < n; j++) {
      for (int p = 0; p < k; p++) rows[p * n + j] = b[bBase + j * k + p];
    }
    run(m, n, k, a, aBase, transA, rows, 0, c, cBase, accumulate, parallel);
  }

  /** {@link #matmul} with B kept as bf16 bits: its k rows (at most {@link #THIN}) widened into f32 rows [k][n]. */
  static void matmul(int m, int n, int k, float[] a, int aBase, boolean transA,
                     short[] b, int bBase, boolean transB, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    float[] rows = buffer(ROWS_OF_B, k * n);
    if (transB) {
      for (int j = 0; j < n; j++) {
        for (int p = 0; p < k; p++) rows[p * n + j] = Bf16.toFloat(b[bBase + j * k + p]);
      }
    } else {
      Bf16Widen.widen(b, bBase, rows, 0, k * n);
    }
    run(m, n, k, a, aBase, transA, rows, 0, c, cBase, accumulate, parallel);
  }

  /**
   * {@link #matmul} with A kept as bf16 bits and stored [m, k] (a weight in the one-row product
   * {@code W·xᵀ} of a model at most 16 wide): A is thin, so it is widened whole, m·k floats.
   */
  static void matmul(int m, int n, int k, short[] a, int aBase, float[] b, int bBase, boolean transB,
                     float[] c, int cBase, boolean accumulate, boolean parallel) {
    float[] widened = buffer(WIDENED_A, m * k);
    Bf16Widen.widen(a, aBase, widened, 0, m * k);
    matmul(m, n, k, widened, 0, false, b, bBase, transB, c, cBase, accumulate, parallel);
  }

  /** The kernel proper, B given as f32 rows [k][n] from {@code rowsBase}. */
  private static void run(int m, int n, int k, float[] a, int aBase, boolean transA, float[] rows, int rowsBase,
                          float[] c, int cBase, boolean accumulate, boolean parallel) {
    MatmulThinK job = new MatmulThinK(m, n, k, a, aBase, transA, rows, rowsBase, c, cBase, accumulate);
    int quads = (m + 3) / 4;
    int threads = parallel ? Parallel.threads() : 1;
    int chunk = MatmulChunks.size(quads, threads, quads);
    MatmulChunks.forEach((quads + chunk - 1) / chunk, parallel ? (long) m * n * k : 0, threads, ch -> {
      for (int quad = ch * chunk; quad < Math.min(quads, (ch + 1) * chunk); quad++) {
        int i = 4 * quad;
        if (i + 4 <= m) {
          job.fourRows(i);
        } else {
          for (int r = i; r < m; r++) job.oneRow(r, 0);
        }
      }
    });
  }

  /** Rows i .. i+3, four vectors of columns at a time; the rest of the columns row by row. */
  private void fourRows(int i) {
    int a0 = aBase + i * aRowStep, a1 = a0 + aRowStep, a2 = a1 + aRowStep, a3 = a2 + aRowStep;
    int c0 = cBase + i * n;
    int j = 0;
    for (; j + 4 * VLEN <= n; j += 4 * VLEN) {
      FloatVector s00, s01, s02, s03, s10, s11, s12, s13, s20, s21, s22, s23, s30, s31, s32, s33;
      if (accumulate) {
        int r = c0 + j;
        s00 = load(c, r); s01 = load(c, r + VLEN); s02 = load(c, r + 2 * VLEN); s03 = load(c, r + 3 * VLEN);
        r += n;
        s10 = load(c, r); s11 = load(c, r + VLEN); s12 = load(c, r + 2 * VLEN); s13 = load(c, r + 3 * VLEN);
        r += n;
        s20 = load(c, r); s21 = load(c, r + VLEN); s22 = load(c, r + 2 * VLEN); s23 = load(c, r + 3 * VLEN);
        r += n;
        s30 = load(c, r); s31 = load(c, r + VLEN); s32 = load(c, r + 2 * VLEN); s33 = load(c, r + 3 * VLEN);
      } else {
        s00 = s01 = s02 = s03 = s10 = s11 = s12 = s13 = FloatVector.zero(SPECIES);
        s20 = s21 = s22 = s23 = s30 = s31 = s32 = s33 = s00;
      }
      for (int p = 0; p < k; p++) {
        // B[p, j : j + 4V] shared by the four rows; A[i .. i+3, p] broadcast
        int bi = bBase + p * n + j;
        FloatVector b0 = load(bRows, bi), b1 = load(bRows, bi + VLEN);
        FloatVector b2 = load(bRows, bi + 2 * VLEN), b3 = load(bRows, bi + 3 * VLEN);
        int ap = p * aColStep;
        FloatVector x = FloatVector.broadcast(SPECIES, a[a0 + ap]);
        s00 = x.fma(b0, s00); s01 = x.fma(b1, s01); s02 = x.fma(b2, s02); s03 = x.fma(b3, s03);
        x = FloatVector.broadcast(SPECIES, a[a1 + ap]);
        s10 = x.fma(b0, s10); s11 = x.fma(b1, s11); s12 = x.fma(b2, s12); s13 = x.fma(b3, s13);
        x = FloatVector.broadcast(SPECIES, a[a2 + ap]);
        s20 = x.fma(b0, s20); s21 = x.fma(b1, s21); s22 = x.fma(b2, s22); s23 = x.fma(b3, s23);
        x = FloatVector.broadcast(SPECIES, a[a3 + ap]);
        s30 = x.fma(b0, s30); s31 = x.fma(b1, s31); s32 = x.fma(b2, s32); s33 = x.fma(b3, s33);
      }
      int r = c0 + j;
      s00.intoArray(c, r); s01.intoArray(c, r + VLEN); s02.intoArray(c, r + 2 * VLEN); s03.intoArray(c, r + 3 * VLEN);
      r += n;
      s10.intoArray(c, r); s11.intoArray(c, r + VLEN); s12.intoArray(c, r + 2 * VLEN); s13.intoArray(c, r + 3 * VLEN);
      r += n;
      s20.intoArray(c, r); s21.intoArray(c, r + VLEN); s22.intoArray(c, r + 2 * VLEN); s23.intoArray(c, r + 3 * VLEN);
      r += n;
      s30.intoArray(c, r); s31.intoArray(c, r + VLEN); s32.intoArray(c, r + 2 * VLEN); s33.intoArray(c, r + 3 * VLEN);
    }
    for (int r = i; r < i + 4; r++) oneRow(r, j);
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

  /** This thread's buffer {@code which}, grown (never shrunk) to at least {@code size} floats. */
  private static float[] buffer(ThreadLocal<float[]> which, int size) {
    float[] buf = which.get();
    if (buf.length < size) {
      buf = new float[size];
      which.set(buf);
    }
    return buf;
  }
}
