package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;

/**
 * One row times a matrix stored [k, n]: {@code c[1, n] (+)= a[1, k] · B[k, n]}, the product of a
 * generated token with a weight kept [in, out] (GPT-2's Conv1D). The blocked path would pack the
 * whole of B for this single row, every token; here B is streamed once, row p of B scaled by
 * a[p] into a strip of c held in registers.
 *
 * <p>Each c[j] is the chain {@code c = fma(a[p], B[p, j], c)} for p = 0 .. k-1 in order, starting
 * from 0 or from c: exactly the blocked kernel's arithmetic, so the result is bit-identical to
 * it, and to itself for any thread count (threads split the columns).
 */
final class MatmulRowVector {
  private MatmulRowVector() {}

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int VLEN = SPECIES.length();
  /** Columns per strip: four vectors of accumulators. */
  private static final int STRIP = 4 * VLEN;
  /** Rows of a bf16 B widened at a time for one strip. */
  static final int KB = 64;

  private static final ThreadLocal<float[]> PANEL = ThreadLocal.withInitial(() -> new float[0]);

  /** a [1, k] from aBase (a column stored [k, 1] reads the same), B [k, n] from bBase -> c [1, n] from cBase. */
  static void matmul(int n, int k, float[] a, int aBase, float[] b, int bBase, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    int strips = (n + STRIP - 1) / STRIP;
    Parallel.forRange(strips, parallel ? (long) n * k : 0, (from, to) -> {
      for (int s = from; s < to; s++) {
        int j0 = s * STRIP;
        int j1 = Math.min(n, j0 + STRIP);
        if (j1 - j0 == STRIP) {
          strip(k, n, a, aBase, b, bBase + j0, c, cBase + j0, accumulate);
        } else {
          tail(k, n, j0, j1, a, aBase, b, bBase, c, cBase, accumulate);
        }
      }
    });
  }

  /**
   * {@link #matmul} with B kept as bf16 bits. Each strip of columns is done {@link #KB} rows of B
   * at a time: those rows of the strip are widened into a scratch panel [KB][STRIP] (16 KiB of
   * f32 at AVX-512 width) and the f32 strip runs on it, adding onto what the earlier rows left
   * in c. The chain over p per element of c is unchanged, so the result is that of the widened B.
   */
  static void matmul(int n, int k, float[] a, int aBase, short[] b, int bBase, float[] c, int cBase,
                     boolean accumulate, boolean parallel) {
    int strips = (n + STRIP - 1) / STRIP;
    Parallel.forRange(strips, parallel ? (long) n * k : 0, (from, to) -> {
      float[] panel = scratch(KB * STRIP);
      for (int s = from; s < to; s++) {
        int j0 = s * STRIP;
        int width = Math.min(STRIP, n - j0);
        for (int p0 = 0; p0 < k; p0 += KB) {
          int kb = Math.min(KB, k - p0);
          for (int p = 0; p < kb; p++) Bf16Widen.widen(b, bBase + (p0 + p) * n + j0, panel, p * STRIP, width);
          boolean onto = accumulate || p0 > 0;
          // the panel's rows are STRIP apart: it is a B of n = STRIP columns, from column 0
          if (width == STRIP) {
            strip(kb, STRIP, a, aBase + p0, panel, 0, c, cBase + j0, onto);
          } else {
            tail(kb, STRIP, 0, width, a, aBase + p0, panel, 0, c, cBase + j0, onto);
          }
        }
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

  /** c[0 : STRIP] (+)= Σ_p a[p] · B[p, 0 : STRIP], B's rows n apart from bi. */
  private static void strip(int k, int n, float[] a, int aBase, float[] b, int bi, float[] c, int ci,
                            boolean accumulate) {
    FloatVector c0 = accumulate ? FloatVector.fromArray(SPECIES, c, ci) : FloatVector.zero(SPECIES);
    FloatVector c1 = accumulate ? FloatVector.fromArray(SPECIES, c, ci + VLEN) : FloatVector.zero(SPECIES);
    FloatVector c2 = accumulate ? FloatVector.fromArray(SPECIES, c, ci + 2 * VLEN) : FloatVector.zero(SPECIES);
    FloatVector c3 = accumulate ? FloatVector.fromArray(SPECIES, c, ci + 3 * VLEN) : FloatVector.zero(SPECIES);
    for (int p = 0, r = bi; p < k; p++, r += n) {
      FloatVector ap = FloatVector.broadcast(SPECIES, a[aBase + p]);
      c0 = ap.fma(FloatVector.fromArray(SPECIES, b, r), c0);
      c1 = ap.fma(FloatVector.fromArray(SPECIES, b, r + VLEN), c1);
      c2 = ap.fma(FloatVector.fromArray(SPECIES, b, r + 2 * VLEN), c2);
      c3 = ap.fma(FloatVector.fromArray(SPECIES, b, r + 3 * VLEN), c3);
    }
    c0.intoArray(c, ci);
    c1.intoArray(c, ci + VLEN);
    c2.intoArray(c, ci + 2 * VLEN);
    c3.intoArray(c, ci + 3 * VLEN);
  }

  /** Columns [j0, j1) past the last whole strip: one vector at a time, then a scalar tail. */
  private static void tail(int k, int n, int j0, int j1, float[] a, int aBase, float[] b, int bBase, float[] c,
                           int cBase, boolean accumulate) {
    int j = j0;
    for (; j + VLEN <= j1; j += VLEN) {
      FloatVector acc = accumulate ? FloatVector.fromArray(SPECIES, c, cBase + j) : FloatVector.zero(SPECIES);
      for (int p = 0, r = bBase + j; p < k; p++, r += n) {
        acc = FloatVector.broadcast(SPECIES, a[aBase + p]).fma(FloatVector.fromArray(SPECIES, b, r), acc);
      }
      acc.intoArray(c, cBase + j);
    }
    for (; j < j1; j++) {
      float acc = accumulate ? c[cBase + j] : 0f;
      for (int p = 0, r = bBase + j; p < k; p++, r += n) acc = Math.fma(a[aBase + p], b[r], acc);
      c[cBase + j] = acc;
    }
  }

  /** This thread's scratch, grown (never shrunk) to at least {@code size} floats. */
  private static float[] scratch(int size) {
    float[] buf = PANEL.get();
    if (buf.length < size) {
      buf = new float[size];
      PANEL.set(buf);
    }
    return buf;
  }
}
