package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.MatmulMicroKernel.MR;
import static org.jlora.engine.kernels.MatmulMicroKernel.NR;
import static org.jlora.engine.kernels.MatmulMicroKernel.VLEN;

import org.jlora.engine.Parallel;

/**
 * The packed, cache-blocked matmul for matrices that are not thin (Goto's scheme):
 * <pre>
 * for each column super-block of B  (all of B for ordinary shapes)
 *   pack op(B) into [K-block][NR-panel][kc][NR]                 (threads take panels)
 *   for each chunk of rows of C  (threads take chunks as they come free; panels if m is small)
 *     for each MC-row block of the chunk
 *       for each K-block of KC:  pack op(A) rows into [MR-panel][kc][MR]     (L2)
 *         for each NR-panel of B (its kc x NR micro-panel stays in L1)
 *           for each MR-panel of A:  C tile (+)= micro-kernel
 * </pre>
 * Every element of C sees the same K-blocks in the same order and the same FMA sequence
 * whichever thread computes it, so results do not depend on the thread count.
 *
 * <p>This class never reads A or B itself: it asks for packed panels ({@link PacksA},
 * {@link PacksB}), so an operand stored transposed, or in bf16, changes only the packing.
 */
final class MatmulBlocked {
  /**
   * Depth of a K-block: a B micro-panel [KC][NR] then takes 24 KiB of the 48 KiB L1d. Tuning
   * knobs for experiments: {@code -Djlora.matmul.kc=}, {@code -Djlora.matmul.mc=} (results
   * change only by rounding; 128 and 192 measured best here, within noise of 256 and 96).
   */
  static final int KC = Integer.getInteger("jlora.matmul.kc", 128);
  /** Rows of A packed at once: [MC][KC] = 96 KiB, comfortably inside the 1 MiB L2. */
  static final int MC = Integer.getInteger("jlora.matmul.mc", 192) / MR * MR;
  /** Cap on a packed B (floats): very wide B (a vocabulary projection) is done in column slices. */
  static final int MAX_PACKED_B = 1 << 22;

  private static final ThreadLocal<float[][]> BUFFERS = ThreadLocal.withInitial(() -> new float[3][]);
  private static final int PACKED_B = 0, PACKED_A = 1, EDGE_TILE = 2;

  private MatmulBlocked() {}

  /** Packs {@code op(A)[i0 : i0+rows, p0 : p0+kc]} as MR-row panels from {@code dst[0]} ({@link MatmulPacking#packA}). */
  interface PacksA {
    void pack(int i0, int rows, int p0, int kc, float[] dst);
  }

  /** Packs {@code op(B)[p0 : p0+kc, j0 : j0 + panels·NR]} as NR-column panels from {@code dst[di]} ({@link MatmulPacking#packB}). */
  interface PacksB {
    void pack(int p0, int kc, int j0, int panels, float[] dst, int di);
  }

  /** {@code C[m, n] (+)= op(A)[m, k] · op(B)[k, n]} for one matrix; see {@link MatmulScalar}. */
  static void matmul(int m, int n, int k, PacksA a, PacksB b, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    int threads = parallel ? Parallel.threads() : 1;
    int maxCols = Math.max(NR, MAX_PACKED_B / Math.max(1, k) / NR * NR);
    for (int j0 = 0; j0 < n; j0 += maxCols) {
      int cols = Math.min(maxCols, n - j0);
      int panels = (cols + NR - 1) / NR;
      int stride = panels * NR; // floats per packed row of B, padding included
      float[] bp = buffer(PACKED_B, k * stride);
      final int jStart = j0;
      MatmulChunks.forEach(panels, parallel ? (long) k * cols : 0, threads, panel -> {
        for (int p0 = 0; p0 < k; p0 += KC) {
          int kc = Math.min(KC, k - p0);
          b.pack(p0, kc, jStart + panel * NR, 1, bp, p0 * stride + panel * kc * NR);
        }
      });

      long work = parallel ? (long) m * cols * k : 0;
      int rowPanels = (m + MR - 1) / MR;
      if (rowPanels >= 4 * threads || panels < threads) {
        int chunkRows = MR * MatmulChunks.size(rowPanels, threads, MC / MR);
        int chunks = (m + chunkRows - 1) / chunkRows;
        MatmulChunks.forEach(chunks, work, threads, chunk ->
            compute(n, k, a, bp, stride, jStart, 0, panels,
                c, cBase, accumulate, chunk * chunkRows, Math.min(m, (chunk + 1) * chunkRows)));
      } else {
        // few rows, many columns (e.g. a LoRA-A gradient [r, in]): chunks of B panels instead
        int chunkPanels = MatmulChunks.size(panels, threads, panels);
        int chunks = (panels + chunkPanels - 1) / chunkPanels;
        MatmulChunks.forEach(chunks, work, threads, chunk ->
            compute(n, k, a, bp, stride, jStart, chunk * chunkPanels,
                Math.min(panels, (chunk + 1) * chunkPanels), c, cBase, accumulate, 0, m));
      }
    }
  }

  /** Rows {@code [i0, i1)} of C, B panels {@code [panel0, panel1)} of the super-block at {@code j0}. */
  private static void compute(int n, int k, PacksA a, float[] bp, int stride, int j0, int panel0, int panel1,
                              float[] c, int cBase, boolean accumulate, int i0, int i1) {
    float[] ap = buffer(PACKED_A, MC * Math.min(KC, k));
    float[] edge = buffer(EDGE_TILE, MR * NR);
    for (int ic = i0; ic < i1; ic += MC) {
      int mc = Math.min(MC, i1 - ic);
      for (int p0 = 0; p0 < k; p0 += KC) {
        int kc = Math.min(KC, k - p0);
        a.pack(ic, mc, p0, kc, ap);
        boolean load = accumulate || p0 > 0; // later K-blocks add to what the earlier ones left
        // the tile starts from C itself, or from zeros (one zero row read with stride 0)
        float[] start = load ? c : MatmulMicroKernel.ZERO_ROW;
        int startStride = load ? n : 0;
        for (int panel = panel0; panel < panel1; panel++) {
          int j = j0 + panel * NR;
          int nr = Math.min(NR, n - j);
          int bi = p0 * stride + panel * kc * NR;
          for (int ir = 0; ir < mc; ir += MR) {
            int mr = Math.min(MR, mc - ir);
            int ci = cBase + (ic + ir) * n + j;
            if (mr == MR && nr == NR) {
              MatmulMicroKernel.tile(kc, ap, ir * kc, bp, bi, start, load ? ci : 0, startStride, c, ci, n);
            } else if (mr == MR && nr % VLEN == 0) { // the last panel, whole vectors: a narrower tile, in place
              MatmulMicroKernel.tile(nr / VLEN, kc, ap, ir * kc, bp, bi, start, load ? ci : 0, startStride, c, ci, n);
            } else {
              edgeTile(kc, ap, ir * kc, bp, bi, c, ci, n, mr, nr, load, edge);
            }
          }
        }
      }
    }
  }

  /**
   * A tile cut by the edge of C: run the narrowest kernel that covers its columns on a scratch
   * tile (the arithmetic per element is exactly that of a full tile) and copy the valid
   * {@code mr x nr} corner.
   */
  private static void edgeTile(int kc, float[] ap, int ai, float[] bp, int bi, float[] c, int ci,
                               int ldc, int mr, int nr, boolean load, float[] edge) {
    if (load) {
      for (int r = 0; r < mr; r++) System.arraycopy(c, ci + r * ldc, edge, r * NR, nr);
    }
    MatmulMicroKernel.tile((nr + VLEN - 1) / VLEN, kc, ap, ai, bp, bi, load ? edge : MatmulMicroKernel.ZERO_ROW, 0,
        load ? NR : 0, edge, 0, NR);
    for (int r = 0; r < mr; r++) System.arraycopy(edge, r * NR, c, ci + r * ldc, nr);
  }

  /** This thread's buffer {@code which}, grown (never shrunk) to at least {@code size} floats. */
  private static float[] buffer(int which, int size) {
    float[][] mine = BUFFERS.get();
    float[] buf = mine[which];
    if (buf == null || buf.length < size) {
      buf = new float[size];
      mine[which] = buf;
    }
    return buf;
  }
}
