package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.MatmulMicroKernel.SPECIES;
import static org.jlora.engine.kernels.MatmulMicroKernel.VLEN;

import jdk.incubator.vector.FloatVector;
import org.jlora.engine.Bf16;
import org.jlora.engine.Parallel;

/**
 * Matmul with a thin output (n at most {@link #THIN}, like LoRA's down-projection
 * {@code [N, in] · [in, r]} or its gradient {@code dYᵀ·H}, or attention's per-head products
 * {@code [T, T] · [T, D]} with head size D = 32): too little work per element of A to pay for
 * packing, so A is streamed once.
 * <ul>
 *   <li>A stored {@code [m, k]}: dot products along k, {@code C[i, j] = A[i, :] · op(B)[:, j]}, with
 *       op(B)'s columns made contiguous (in place when B is stored {@code [n, k]});</li>
 *   <li>A stored {@code [k, m]} (transA): vectorised along m instead,
 *       {@code C[i : i+V, j] = sum_p A[p, i : i+V] · B[p, j]}, reading contiguous runs of A.</li>
 * </ul>
 * Both keep 8 or 16 FMA chains in flight to hide the FMA latency. Each element is the same
 * sequence of operations whichever code path or thread computed it.
 */
final class MatmulThinN {
  /**
   * n at or below this takes this path. 32, not 16: the packed path's tile is 3 vectors wide
   * (48 columns with AVX-512), so for n = 32 it would compute a third of its columns for nothing;
   * measured on attention's [128x128]·[128x32] batches and on [2048x768]·[768x32] this path is
   * as fast or faster, and warms up sooner (no packing code to compile).
   */
  static final int THIN = 32;

  private static final ThreadLocal<float[]> COLUMNS_OF_B = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> WIDENED_B = ThreadLocal.withInitial(() -> new float[0]);
  private static final ThreadLocal<float[]> WIDENED_A = ThreadLocal.withInitial(() -> new float[0]);

  private MatmulThinN() {}

  /** {@code C[m, n] (+)= op(A)[m, k] · op(B)[k, n]} for n at most {@link #THIN}. */
  static void matmul(int m, int n, int k, float[] a, int aBase, boolean transA,
                     float[] b, int bBase, boolean transB, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    long work = parallel ? (long) m * n * k : 0;
    int threads = parallel ? Parallel.threads() : 1;
    if (transA) {
      int blocks = (m + 2 * VLEN - 1) / (2 * VLEN);
      int chunk = MatmulChunks.size(blocks, threads, blocks);
      MatmulChunks.forEach((blocks + chunk - 1) / chunk, work, threads, ch -> {
        float[] lanes = new float[2 * VLEN * 8];
        for (int blk = ch * chunk; blk < Math.min(blocks, (ch + 1) * chunk); blk++) {
          alongM(m, n, k, a, aBase, b, bBase, transB, c, cBase, accumulate,
              blk * 2 * VLEN, Math.min(m, (blk + 1) * 2 * VLEN), lanes);
        }
      });
      return;
    }
    float[] cols = columnsOf(b, bBase, transB, k, n);
    int colsBase = transB ? bBase : 0;
    int pairs = (m + 1) / 2;
    int chunk = MatmulChunks.size(pairs, threads, pairs);
    MatmulChunks.forEach((pairs + chunk - 1) / chunk, work, threads, ch -> {
      for (int pair = ch * chunk; pair < Math.min(pairs, (ch + 1) * chunk); pair++) {
        int i = 2 * pair;
        rowPair(i, Math.min(2, m - i), n, k, a, aBase + i * k, cols, colsBase, c, cBase, accumulate);
      }
    });
  }

  /**
   * {@link #matmul} with B kept as bf16 bits: B is thin (n at most {@link #THIN}), so its n·k
   * values are widened once into f32 columns [n][k], the layout of a transposed B.
   */
  static void matmul(int m, int n, int k, float[] a, int aBase, boolean transA,
                     short[] b, int bBase, boolean transB, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    float[] cols = buffer(WIDENED_B, n * k);
    if (transB) {
      Bf16Widen.widen(b, bBase, cols, 0, n * k);
    } else {
      for (int p = 0; p < k; p++) {
        for (int j = 0; j < n; j++) cols[j * k + p] = Bf16.toFloat(b[bBase + p * n + j]);
      }
    }
    matmul(m, n, k, a, aBase, transA, cols, 0, true, c, cBase, accumulate, parallel);
  }

  /**
   * {@link #matmul} with A kept as bf16 bits and stored [m, k]: the weight in the one-row product
   * {@code W·xᵀ} (generation). A is the big operand here, so it is widened two rows at a time
   * into a scratch of 2·k floats, just before those rows' dot products.
   */
  static void matmul(int m, int n, int k, short[] a, int aBase, float[] b, int bBase, boolean transB,
                     float[] c, int cBase, boolean accumulate, boolean parallel) {
    float[] cols = columnsOf(b, bBase, transB, k, n);
    int colsBase = transB ? bBase : 0;
    int threads = parallel ? Parallel.threads() : 1;
    int pairs = (m + 1) / 2;
    int chunk = MatmulChunks.size(pairs, threads, pairs);
    MatmulChunks.forEach((pairs + chunk - 1) / chunk, parallel ? (long) m * n * k : 0, threads, ch -> {
      float[] rows = buffer(WIDENED_A, 2 * k);
      for (int pair = ch * chunk; pair < Math.min(pairs, (ch + 1) * chunk); pair++) {
        int i = 2 * pair;
        int count = Math.min(2, m - i);
        Bf16Widen.widen(a, aBase + i * k, rows, 0, count * k);
        rowPair(i, count, n, k, rows, 0, cols, colsBase, c, cBase, accumulate);
      }
    });
  }

  /**
   * op(B)'s columns as rows [n][k]: B itself when it is stored [n, k] (from bBase), else a copy
   * in this thread's buffer (from 0; n·k floats, small).
   */
  private static float[] columnsOf(float[] b, int bBase, boolean transB, int k, int n) {
    if (transB) return b;
    float[] cols = buffer(COLUMNS_OF_B, n * k);
    for (int p = 0; p < k; p++) {
      for (int j = 0; j < n; j++) cols[j * k + p] = b[bBase + p * n + j];
    }
    return cols;
  }

  /**
   * Rows i, i+1 of C (just row i when {@code rows} is 1): A's rows from {@code ai}, k apart,
   * op(B)'s columns as rows [n][k] from {@code btBase}.
   */
  private static void rowPair(int i, int rows, int n, int k, float[] a, int ai, float[] bt, int btBase,
                              float[] c, int cBase, boolean accumulate) {
    int j = 0;
    if (rows == 2) {
      for (; j + 4 <= n; j += 4) dots2x4(k, a, ai, bt, btBase + j * k, c, cBase + i * n + j, n, accumulate);
    }
    for (int r = 0; r < rows; r++) {
      for (int jj = j; jj < n; jj++) {
        float s = dot(k, a, ai + r * k, bt, btBase + jj * k);
        int ci = cBase + (i + r) * n + jj;
        c[ci] = accumulate ? c[ci] + s : s;
      }
    }
  }

  /** {@code C[i : i+2, j : j+4] (+)=} the eight dot products of two rows of A and four of Bᵀ. */
  private static void dots2x4(int k, float[] a, int a0, float[] bt, int b0, float[] c, int c0, int ldc,
                              boolean accumulate) {
    FloatVector s00 = FloatVector.zero(SPECIES), s01 = s00, s02 = s00, s03 = s00;
    FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
    int a1 = a0 + k;
    int p = 0;
    for (int bound = SPECIES.loopBound(k); p < bound; p += VLEN) {
      FloatVector x0 = load(a, a0 + p), x1 = load(a, a1 + p);
      FloatVector y0 = load(bt, b0 + p), y1 = load(bt, b0 + k + p);
      FloatVector y2 = load(bt, b0 + 2 * k + p), y3 = load(bt, b0 + 3 * k + p);
      s00 = x0.fma(y0, s00); s01 = x0.fma(y1, s01); s02 = x0.fma(y2, s02); s03 = x0.fma(y3, s03);
      s10 = x1.fma(y0, s10); s11 = x1.fma(y1, s11); s12 = x1.fma(y2, s12); s13 = x1.fma(y3, s13);
    }
    // (no array of vectors here: it would box them)
    store(s00, k, a, a0, bt, b0, p, c, c0, accumulate);
    store(s01, k, a, a0, bt, b0 + k, p, c, c0 + 1, accumulate);
    store(s02, k, a, a0, bt, b0 + 2 * k, p, c, c0 + 2, accumulate);
    store(s03, k, a, a0, bt, b0 + 3 * k, p, c, c0 + 3, accumulate);
    store(s10, k, a, a1, bt, b0, p, c, c0 + ldc, accumulate);
    store(s11, k, a, a1, bt, b0 + k, p, c, c0 + ldc + 1, accumulate);
    store(s12, k, a, a1, bt, b0 + 2 * k, p, c, c0 + ldc + 2, accumulate);
    store(s13, k, a, a1, bt, b0 + 3 * k, p, c, c0 + ldc + 3, accumulate);
  }

  /** Finishes one dot product: its lanes summed, the scalar tail from p on, into C[ci]. */
  private static void store(FloatVector lanes, int k, float[] a, int ai, float[] bt, int bi, int p,
                            float[] c, int ci, boolean accumulate) {
    float s = Lanes.sum(lanes);
    for (; p < k; p++) s = Math.fma(a[ai + p], bt[bi + p], s);
    c[ci] = accumulate ? c[ci] + s : s;
  }

  /** One dot product of length k: the same operations per element as {@link #dots2x4}. */
  private static float dot(int k, float[] a, int ai, float[] bt, int bi) {
    FloatVector s = FloatVector.zero(SPECIES);
    int p = 0;
    for (int bound = SPECIES.loopBound(k); p < bound; p += VLEN) {
      s = load(a, ai + p).fma(load(bt, bi + p), s);
    }
    float r = Lanes.sum(s);
    for (; p < k; p++) r = Math.fma(a[ai + p], bt[bi + p], r);
    return r;
  }

  /**
   * transA: rows {@code [i0, i1)} (at most 2V) of C, A stored {@code [k, m]}. Two vectors of rows
   * by eight columns at a time (16 chains, and A read once for n <= 8); lanes are written out
   * through {@code lanes} (C is row-major).
   */
  private static void alongM(int m, int n, int k, float[] a, int aBase, float[] b, int bBase,
                             boolean transB, float[] c, int cBase, boolean accumulate,
                             int i0, int i1, float[] lanes) {
    int bp = transB ? 1 : n, bj = transB ? k : 1; // B[p, j] at bBase + p*bp + j*bj
    if (i1 - i0 < 2 * VLEN) { // the last, partial block: one scalar chain per element
      for (int i = i0; i < i1; i++) {
        for (int j = 0; j < n; j++) {
          float s = 0f;
          for (int p = 0; p < k; p++) s = Math.fma(a[aBase + p * m + i], b[bBase + p * bp + j * bj], s);
          int ci = cBase + i * n + j;
          c[ci] = accumulate ? c[ci] + s : s;
        }
      }
      return;
    }
    for (int j = 0; j < n; j += 8) {
      int cols = Math.min(8, n - j);
      FloatVector s00 = FloatVector.zero(SPECIES), s01 = s00, s02 = s00, s03 = s00;
      FloatVector s04 = s00, s05 = s00, s06 = s00, s07 = s00;
      FloatVector s10 = s00, s11 = s00, s12 = s00, s13 = s00;
      FloatVector s14 = s00, s15 = s00, s16 = s00, s17 = s00;
      // columns past n repeat column j (a valid index); their sums are never stored
      int o1 = cols > 1 ? bj : 0, o2 = cols > 2 ? 2 * bj : 0, o3 = cols > 3 ? 3 * bj : 0;
      int o4 = cols > 4 ? 4 * bj : 0, o5 = cols > 5 ? 5 * bj : 0, o6 = cols > 6 ? 6 * bj : 0;
      int o7 = cols > 7 ? 7 * bj : 0;
      for (int p = 0; p < k; p++) {
        // A[p, i0 : i0 + 2V] (two vectors of rows of C) times B[p, j .. j+7], one broadcast each
        int ai = aBase + p * m + i0;
        FloatVector x0 = load(a, ai), x1 = load(a, ai + VLEN);
        int bi = bBase + p * bp + j * bj;
        FloatVector y = FloatVector.broadcast(SPECIES, b[bi]);
        s00 = x0.fma(y, s00); s10 = x1.fma(y, s10);
        y = FloatVector.broadcast(SPECIES, b[bi + o1]);
        s01 = x0.fma(y, s01); s11 = x1.fma(y, s11);
        y = FloatVector.broadcast(SPECIES, b[bi + o2]);
        s02 = x0.fma(y, s02); s12 = x1.fma(y, s12);
        y = FloatVector.broadcast(SPECIES, b[bi + o3]);
        s03 = x0.fma(y, s03); s13 = x1.fma(y, s13);
        y = FloatVector.broadcast(SPECIES, b[bi + o4]);
        s04 = x0.fma(y, s04); s14 = x1.fma(y, s14);
        y = FloatVector.broadcast(SPECIES, b[bi + o5]);
        s05 = x0.fma(y, s05); s15 = x1.fma(y, s15);
        y = FloatVector.broadcast(SPECIES, b[bi + o6]);
        s06 = x0.fma(y, s06); s16 = x1.fma(y, s16);
        y = FloatVector.broadcast(SPECIES, b[bi + o7]);
        s07 = x0.fma(y, s07); s17 = x1.fma(y, s17);
      }
      // lanes[q][r] = C[i0 + r, j + q] for r < 2V: column q's two vectors side by side
      int w = 2 * VLEN;
      s00.intoArray(lanes, 0); s10.intoArray(lanes, VLEN);
      s01.intoArray(lanes, w); s11.intoArray(lanes, w + VLEN);
      s02.intoArray(lanes, 2 * w); s12.intoArray(lanes, 2 * w + VLEN);
      s03.intoArray(lanes, 3 * w); s13.intoArray(lanes, 3 * w + VLEN);
      s04.intoArray(lanes, 4 * w); s14.intoArray(lanes, 4 * w + VLEN);
      s05.intoArray(lanes, 5 * w); s15.intoArray(lanes, 5 * w + VLEN);
      s06.intoArray(lanes, 6 * w); s16.intoArray(lanes, 6 * w + VLEN);
      s07.intoArray(lanes, 7 * w); s17.intoArray(lanes, 7 * w + VLEN);
      for (int r = 0; r < w; r++) {
        int ci = cBase + (i0 + r) * n + j;
        for (int q = 0; q < cols; q++) {
          float s = lanes[q * w + r];
          c[ci + q] = accumulate ? c[ci + q] + s : s;
        }
      }
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
