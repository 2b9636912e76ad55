package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Bf16;
import org.jlora.engine.Parallel;

/**
 * One row times a matrix stored [k, n]: {@code c[1, n] (+)= a[1, k] · B[k, n]}, the product of a
 * generated token with a weight kept [in, out] (GPT-2's Conv1D). At batch 1 every token reads all
 * of B, so this product runs at the speed B streams from memory, and the kernel is shaped by
 * that: B is read in memory order, one whole row after another ({@code c += a[p] · B[p, :]}, c in
 * L1), because a core streams one sequential run much faster than several interleaved ones (on
 * the Zen 5 this was tuned on, one row at a time read 27 GB/s where four rows side by side read
 * 17, and half-rows split between threads 16).
 *
 * <p>So threads do not split the columns (every thread would read half of each row: a strided
 * walk) but the rows: B is cut into slabs of {@link #SLAB} consecutive rows, each a contiguous
 * piece of memory, and each slab sums its rows into a partial row of c:
 * <pre>
 *   partial_s[j] = fma(a[p1-1], B[p1-1, j], .. fma(a[p0], B[p0, j], start))   rows p0 .. p1-1 of slab s
 *   c[j] = (((partial_0[j] + partial_1[j]) + partial_2[j]) + ..)               slabs in order
 * </pre>
 * where slab 0 starts from c (accumulating) or 0 and the others from 0. The slabs are fixed by k
 * alone and summed in a fixed order, so the result is the same bits for any thread count. With
 * k at most {@link #SLAB} there is one slab: the blocked kernel's own chain, bit for bit; a longer
 * k adds its partial sums as above, which rounds differently from the blocked kernel's single
 * chain (by a few ulps; the scalar reference agrees to 1e-4). A bf16 B is widened in registers
 * as it is read ({@link Bf16Widen#load}), so the result is that of the widened B.
 */
final class MatmulRowVector {
  private MatmulRowVector() {}

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int VLEN = SPECIES.length();
  /** Rows of B per slab, a partial sum each: 128 rows of GPT-2's 768 columns are 384 KiB of B. */
  static final int SLAB = 128;
  /** Columns of c per block at most: 16 KiB of f32, in L1 while the rows of a slab stream past. */
  static final int WIDTH = 4096;

  private static final ThreadLocal<float[]> PARTIALS = ThreadLocal.withInitial(() -> new float[0]);

  /** Rows {@code [p0, p1)} of B into columns {@code [j0, j1)} of {@code dst} from dBase, starting from dst or 0. */
  private interface SlabBody {
    void run(int p0, int p1, int j0, int j1, float[] dst, int dBase, boolean onto);
  }

  /** a [1, k] from aBase (a column stored [k, 1] reads the same), B [k, n] from bBase -> c [1, n] from cBase. */
  // a: [1, k], b: [k, n] f32 -> c: [1, n]
  static void matmul(int n, int k, float[] a, int aBase, float[] b, int bBase, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    bySlabs(n, k, c, cBase, accumulate, parallel, (p0, p1, j0, j1, dst, dBase, onto) -> {
      for (int p = p0; p < p1; p++) row(a[aBase + p], b, bBase + p * n, j0, j1, dst, dBase, onto || p > p0);
    });
  }

  /** {@link #matmul} with B kept as bf16 bits, widened in registers as it is read. */
  // a: [1, k], b: [k, n] bf16 -> c: [1, n]
  static void matmul(int n, int k, float[] a, int aBase, short[] b, int bBase, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    bySlabs(n, k, c, cBase, accumulate, parallel, (p0, p1, j0, j1, dst, dBase, onto) -> {
      for (int p = p0; p < p1; p++) row(a[aBase + p], b, bBase + p * n, j0, j1, dst, dBase, onto || p > p0);
    });
  }

  /** {@link #matmul} with the row a kept as bf16 bits: one row, k floats, widened whole. */
  static void matmul(int n, int k, short[] a, int aBase, float[] b, int bBase, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    float[] row = new float[k];
    Bf16Widen.widen(a, aBase, row, 0, k);
    matmul(n, k, row, 0, b, bBase, c, cBase, accumulate, parallel);
  }

  /**
   * Runs {@code body} on every (slab, column block) among the threads, slab 0 into c itself and
   * slab s > 0 into its own partial row, then adds the partial rows to c in slab order.
   */
  private static void bySlabs(int n, int k, float[] c, int cBase, boolean accumulate, boolean parallel,
                              SlabBody body) {
    int slabs = (k + SLAB - 1) / SLAB;
    int blocks = (n + WIDTH - 1) / WIDTH;
    float[] partials = partials((slabs - 1) * n); // the caller's scratch: [slabs - 1][n]
    MatmulChunks.forEach(slabs * blocks, parallel ? (long) n * k : 0, parallel ? Parallel.threads() : 1, t -> {
      int s = t / blocks;
      int j0 = (t % blocks) * WIDTH;
      int j1 = Math.min(n, j0 + WIDTH);
      int p0 = s * SLAB;
      int p1 = Math.min(k, p0 + SLAB);
      if (s == 0) body.run(p0, p1, j0, j1, c, cBase, accumulate);
      else body.run(p0, p1, j0, j1, partials, (s - 1) * n, false);
    });
    // c: [n] += partial_1 + partial_2 + .. in order (slabs - 1 adds per element)
    for (int s = 1; s < slabs; s++) {
      int pi = (s - 1) * n;
      int j = 0;
      for (int bound = SPECIES.loopBound(n); j < bound; j += VLEN) {
        FloatVector.fromArray(SPECIES, c, cBase + j).add(FloatVector.fromArray(SPECIES, partials, pi + j))
            .intoArray(c, cBase + j);
      }
      for (; j < n; j++) c[cBase + j] += partials[pi + j];
    }
  }

  /** This thread's scratch for the partial rows, grown (never shrunk) to at least {@code size} floats. */
  private static float[] partials(int size) {
    float[] buf = PARTIALS.get();
    if (buf.length < size) {
      buf = new float[size];
      PARTIALS.set(buf);
    }
    return buf;
  }

  /** dst[j0 : j1] = (dst or 0) + x · B[p, j0 : j1], one FMA per element; {@code r} is where row p starts. */
  // x: a[p], b: row p of [k, n] -> dst: [j0, j1)
  private static void row(float x, float[] b, int r, int j0, int j1, float[] dst, int dBase, boolean onto) {
    FloatVector xv = FloatVector.broadcast(SPECIES, x);
    int j = j0;
    for (; j + VLEN <= j1; j += VLEN) {
      FloatVector s = onto ? FloatVector.fromArray(SPECIES, dst, dBase + j) : FloatVector.zero(SPECIES);
      xv.fma(FloatVector.fromArray(SPECIES, b, r + j), s).intoArray(dst, dBase + j);
    }
    for (; j < j1; j++) dst[dBase + j] = Math.fma(x, b[r + j], onto ? dst[dBase + j] : 0f);
  }

  /** {@link #row} with B as bf16 bits. */
  // x: a[p], b: row p of [k, n] bf16 -> dst: [j0, j1)
  private static void row(float x, short[] b, int r, int j0, int j1, float[] dst, int dBase, boolean onto) {
    FloatVector xv = FloatVector.broadcast(SPECIES, x);
    int j = j0;
    for (; j + VLEN <= j1; j += VLEN) {
      FloatVector s = onto ? FloatVector.fromArray(SPECIES, dst, dBase + j) : FloatVector.zero(SPECIES);
      xv.fma(Bf16Widen.load(b, r + j), s).intoArray(dst, dBase + j);
    }
    for (; j < j1; j++) dst[dBase + j] = Math.fma(x, Bf16.toFloat(b[r + j]), onto ? dst[dBase + j] : 0f);
  }
}
