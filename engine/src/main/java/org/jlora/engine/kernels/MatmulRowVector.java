package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Bf16;
import org.jlora.engine.Parallel;

/**
 * One row times a matrix stored [k, n]: {@code c[1, n] (+)= a[1, k] · B[k, n]}, the product of a
 * generated token with a weight kept [in, out] (GPT-2's Conv1D). The blocked path would pack the
 * whole of B for this single row, every token; here B is streamed once, in memory order: c (at
 * most {@link #WIDTH} columns of it, in L1) takes four rows of B at a time,
 * {@code c[j] = fma(a[p+3], B[p+3, j], fma(a[p+2], .., fma(a[p], B[p, j], c[j])))}, so B is read
 * as four long contiguous runs and c is loaded and stored once per four rows. (Holding a strip of
 * c in registers over all of k instead walked B down its columns, one short piece of each row at
 * a time: a strided read that left memory bandwidth unused.)
 *
 * <p>Each c[j] is the chain {@code c = fma(a[p], B[p, j], c)} for p = 0 .. k-1 in order, starting
 * from 0 or from c: exactly the blocked kernel's arithmetic, so the result is bit-identical to
 * it, and to itself for any thread count (threads split the columns). A bf16 B is widened in
 * registers as it is read ({@link Bf16Widen#load}), so the result is that of the widened B.
 */
final class MatmulRowVector {
  private MatmulRowVector() {}

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int VLEN = SPECIES.length();
  /** Columns of c per block at most: 16 KiB of f32, in L1 while four rows of B stream past. */
  static final int WIDTH = 4096;

  /** a [1, k] from aBase (a column stored [k, 1] reads the same), B [k, n] from bBase -> c [1, n] from cBase. */
  // a: [1, k], b: [k, n] f32 -> c: [1, n]
  static void matmul(int n, int k, float[] a, int aBase, float[] b, int bBase, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    int width = width(n, parallel);
    Parallel.forRange((n + width - 1) / width, parallel ? (long) n * k : 0, (from, to) -> {
      for (int j0 = from * width; j0 < Math.min(n, to * width); j0 += width) {
        int j1 = Math.min(n, j0 + width);
        int p = 0;
        for (; p + 4 <= k; p += 4) four(p, n, j0, j1, a, aBase, b, bBase, c, cBase, accumulate || p > 0);
        for (; p < k; p++) one(p, n, j0, j1, a, aBase, b, bBase, c, cBase, accumulate || p > 0);
      }
    });
  }

  /** {@link #matmul} with B kept as bf16 bits, widened in registers as it is read. */
  // a: [1, k], b: [k, n] bf16 -> c: [1, n]
  static void matmul(int n, int k, float[] a, int aBase, short[] b, int bBase, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    int width = width(n, parallel);
    Parallel.forRange((n + width - 1) / width, parallel ? (long) n * k : 0, (from, to) -> {
      for (int j0 = from * width; j0 < Math.min(n, to * width); j0 += width) {
        int j1 = Math.min(n, j0 + width);
        int p = 0;
        for (; p + 4 <= k; p += 4) four(p, n, j0, j1, a, aBase, b, bBase, c, cBase, accumulate || p > 0);
        for (; p < k; p++) one(p, n, j0, j1, a, aBase, b, bBase, c, cBase, accumulate || p > 0);
      }
    });
  }

  /** {@link #matmul} with the row a kept as bf16 bits: one row, k floats, widened whole. */
  static void matmul(int n, int k, short[] a, int aBase, float[] b, int bBase, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    float[] row = new float[k];
    Bf16Widen.widen(a, aBase, row, 0, k);
    matmul(n, k, row, 0, b, bBase, c, cBase, accumulate, parallel);
  }

  /** Columns per block: n split evenly among the threads (whole vectors), at most {@link #WIDTH}. */
  private static int width(int n, boolean parallel) {
    int parts = parallel ? Parallel.threads() : 1;
    int w = ((n + parts - 1) / parts + VLEN - 1) / VLEN * VLEN;
    return Math.max(VLEN, Math.min(WIDTH, w));
  }

  /** c[j0 : j1] = (c or 0) + a[p .. p+3] · B[p .. p+3, j0 : j1], four FMAs per element in order of p. */
  // a: [1, k], b: rows p .. p+3 of [k, n] -> c: [j0, j1)
  private static void four(int p, int n, int j0, int j1, float[] a, int aBase, float[] b, int bBase,
                           float[] c, int cBase, boolean onto) {
    float a0 = a[aBase + p], a1 = a[aBase + p + 1], a2 = a[aBase + p + 2], a3 = a[aBase + p + 3];
    FloatVector x0 = FloatVector.broadcast(SPECIES, a0), x1 = FloatVector.broadcast(SPECIES, a1);
    FloatVector x2 = FloatVector.broadcast(SPECIES, a2), x3 = FloatVector.broadcast(SPECIES, a3);
    int r0 = bBase + p * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
    int j = j0;
    for (; j + VLEN <= j1; j += VLEN) {
      FloatVector s = onto ? FloatVector.fromArray(SPECIES, c, cBase + j) : FloatVector.zero(SPECIES);
      s = x0.fma(FloatVector.fromArray(SPECIES, b, r0 + j), s);
      s = x1.fma(FloatVector.fromArray(SPECIES, b, r1 + j), s);
      s = x2.fma(FloatVector.fromArray(SPECIES, b, r2 + j), s);
      s = x3.fma(FloatVector.fromArray(SPECIES, b, r3 + j), s);
      s.intoArray(c, cBase + j);
    }
    for (; j < j1; j++) {
      float s = onto ? c[cBase + j] : 0f;
      s = Math.fma(a0, b[r0 + j], s);
      s = Math.fma(a1, b[r1 + j], s);
      s = Math.fma(a2, b[r2 + j], s);
      c[cBase + j] = Math.fma(a3, b[r3 + j], s);
    }
  }

  /** {@link #four} with B as bf16 bits. */
  // a: [1, k], b: rows p .. p+3 of [k, n] bf16 -> c: [j0, j1)
  private static void four(int p, int n, int j0, int j1, float[] a, int aBase, short[] b, int bBase,
                           float[] c, int cBase, boolean onto) {
    float a0 = a[aBase + p], a1 = a[aBase + p + 1], a2 = a[aBase + p + 2], a3 = a[aBase + p + 3];
    FloatVector x0 = FloatVector.broadcast(SPECIES, a0), x1 = FloatVector.broadcast(SPECIES, a1);
    FloatVector x2 = FloatVector.broadcast(SPECIES, a2), x3 = FloatVector.broadcast(SPECIES, a3);
    int r0 = bBase + p * n, r1 = r0 + n, r2 = r1 + n, r3 = r2 + n;
    int j = j0;
    for (; j + VLEN <= j1; j += VLEN) {
      FloatVector s = onto ? FloatVector.fromArray(SPECIES, c, cBase + j) : FloatVector.zero(SPECIES);
      s = x0.fma(Bf16Widen.load(b, r0 + j), s);
      s = x1.fma(Bf16Widen.load(b, r1 + j), s);
      s = x2.fma(Bf16Widen.load(b, r2 + j), s);
      s = x3.fma(Bf16Widen.load(b, r3 + j), s);
      s.intoArray(c, cBase + j);
    }
    for (; j < j1; j++) {
      float s = onto ? c[cBase + j] : 0f;
      s = Math.fma(a0, Bf16.toFloat(b[r0 + j]), s);
      s = Math.fma(a1, Bf16.toFloat(b[r1 + j]), s);
      s = Math.fma(a2, Bf16.toFloat(b[r2 + j]), s);
      c[cBase + j] = Math.fma(a3, Bf16.toFloat(b[r3 + j]), s);
    }
  }

  /** c[j0 : j1] = (c or 0) + a[p] · B[p, j0 : j1]: the rows past the last four. */
  private static void one(int p, int n, int j0, int j1, float[] a, int aBase, float[] b, int bBase,
                          float[] c, int cBase, boolean onto) {
    FloatVector x = FloatVector.broadcast(SPECIES, a[aBase + p]);
    int r = bBase + p * n;
    int j = j0;
    for (; j + VLEN <= j1; j += VLEN) {
      FloatVector s = onto ? FloatVector.fromArray(SPECIES, c, cBase + j) : FloatVector.zero(SPECIES);
      x.fma(FloatVector.fromArray(SPECIES, b, r + j), s).intoArray(c, cBase + j);
    }
    for (; j < j1; j++) c[cBase + j] = Math.fma(a[aBase + p], b[r + j], onto ? c[cBase + j] : 0f);
  }

  private static void one(int p, int n, int j0, int j1, float[] a, int aBase, short[] b, int bBase,
                          float[] c, int cBase, boolean onto) {
    FloatVector x = FloatVector.broadcast(SPECIES, a[aBase + p]);
    int r = bBase + p * n;
    int j = j0;
    for (; j + VLEN <= j1; j += VLEN) {
      FloatVector s = onto ? FloatVector.fromArray(SPECIES, c, cBase + j) : FloatVector.zero(SPECIES);
      x.fma(Bf16Widen.load(b, r + j), s).intoArray(c, cBase + j);
    }
    for (; j < j1; j++) c[cBase + j] = Math.fma(a[aBase + p], Bf16.toFloat(b[r + j]), onto ? c[cBase + j] : 0f);
  }
}
