package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * The register-tiled heart of the matmul: a {@code MR x NR} tile of C held in 18 vector
 * registers while {@code kc} rank-1 updates stream past.
 *
 * <p>Per step p it loads one row of the packed B panel (3 vectors), broadcasts each of the 6
 * packed A values of column p and issues 18 FMAs. 18 accumulators + 3 B vectors + 1 broadcast
 * fit the 32 AVX-512 registers; C2 spills (and boxes) beyond about that, so the tile is not
 * larger.
 */
final class MatmulMicroKernel {
  static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  static final int VLEN = SPECIES.length();
  /** Rows of C per tile (the broadcast dimension). */
  static final int MR = 6;
  /** Columns of C per tile: three vectors. */
  static final int NR = 3 * VLEN;

  private MatmulMicroKernel() {}

  /**
   * One row of zeros: with row stride 0 it reads as a whole {@code MR x NR} tile of zeros, the
   * starting point of a tile that overwrites C.
   */
  static final float[] ZERO_ROW = new float[NR];

  /**
   * {@code C[0:6, 0:NR] = C0 + Ap · Bp} for one tile.
   *
   * <p>Ap: packed A micro-panel {@code [kc][MR]} from {@code ai}; Bp: packed B micro-panel
   * {@code [kc][NR]} from {@code bi}; C: row-major with leading dimension {@code ldc} from
   * {@code ci}; C0, the starting tile, row-major with leading dimension {@code ld0} from
   * {@code i0}: C itself to accumulate, or {@link #ZERO_ROW} with {@code ld0 = 0} to overwrite.
   * Taking the start as data rather than a flag keeps this method free of branches, so the JIT
   * never has to throw its compiled code away when a caller first switches between the two.
   * The tile must lie wholly inside C (edge tiles go through a scratch tile).
   */
  static void tile(int kc, float[] ap, int ai, float[] bp, int bi,
                   float[] c0, int i0, int ld0, float[] c, int ci, int ldc) {
    int r = i0;
    FloatVector c00 = FloatVector.fromArray(SPECIES, c0, r), c01 = FloatVector.fromArray(SPECIES, c0, r + VLEN);
    FloatVector c02 = FloatVector.fromArray(SPECIES, c0, r + 2 * VLEN); r += ld0;
    FloatVector c10 = FloatVector.fromArray(SPECIES, c0, r), c11 = FloatVector.fromArray(SPECIES, c0, r + VLEN);
    FloatVector c12 = FloatVector.fromArray(SPECIES, c0, r + 2 * VLEN); r += ld0;
    FloatVector c20 = FloatVector.fromArray(SPECIES, c0, r), c21 = FloatVector.fromArray(SPECIES, c0, r + VLEN);
    FloatVector c22 = FloatVector.fromArray(SPECIES, c0, r + 2 * VLEN); r += ld0;
    FloatVector c30 = FloatVector.fromArray(SPECIES, c0, r), c31 = FloatVector.fromArray(SPECIES, c0, r + VLEN);
    FloatVector c32 = FloatVector.fromArray(SPECIES, c0, r + 2 * VLEN); r += ld0;
    FloatVector c40 = FloatVector.fromArray(SPECIES, c0, r), c41 = FloatVector.fromArray(SPECIES, c0, r + VLEN);
    FloatVector c42 = FloatVector.fromArray(SPECIES, c0, r + 2 * VLEN); r += ld0;
    FloatVector c50 = FloatVector.fromArray(SPECIES, c0, r), c51 = FloatVector.fromArray(SPECIES, c0, r + VLEN);
    FloatVector c52 = FloatVector.fromArray(SPECIES, c0, r + 2 * VLEN);
    for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
      // B row p of the panel: [NR] = 3 vectors; A column p of the panel: [MR] scalars.
      FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
      FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + VLEN);
      FloatVector b2 = FloatVector.fromArray(SPECIES, bp, bi + 2 * VLEN);
      FloatVector a = FloatVector.broadcast(SPECIES, ap[ai]);
      c00 = a.fma(b0, c00); c01 = a.fma(b1, c01); c02 = a.fma(b2, c02);
      a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
      c10 = a.fma(b0, c10); c11 = a.fma(b1, c11); c12 = a.fma(b2, c12);
      a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
      c20 = a.fma(b0, c20); c21 = a.fma(b1, c21); c22 = a.fma(b2, c22);
      a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
      c30 = a.fma(b0, c30); c31 = a.fma(b1, c31); c32 = a.fma(b2, c32);
      a = FloatVector.broadcast(SPECIES, ap[ai + 4]);
      c40 = a.fma(b0, c40); c41 = a.fma(b1, c41); c42 = a.fma(b2, c42);
      a = FloatVector.broadcast(SPECIES, ap[ai + 5]);
      c50 = a.fma(b0, c50); c51 = a.fma(b1, c51); c52 = a.fma(b2, c52);
    }
    r = ci;
    c00.intoArray(c, r); c01.intoArray(c, r + VLEN); c02.intoArray(c, r + 2 * VLEN); r += ldc;
    c10.intoArray(c, r); c11.intoArray(c, r + VLEN); c12.intoArray(c, r + 2 * VLEN); r += ldc;
    c20.intoArray(c, r); c21.intoArray(c, r + VLEN); c22.intoArray(c, r + 2 * VLEN); r += ldc;
    c30.intoArray(c, r); c31.intoArray(c, r + VLEN); c32.intoArray(c, r + 2 * VLEN); r += ldc;
    c40.intoArray(c, r); c41.intoArray(c, r + VLEN); c42.intoArray(c, r + 2 * VLEN); r += ldc;
    c50.intoArray(c, r); c51.intoArray(c, r + VLEN); c52.intoArray(c, r + 2 * VLEN);
  }

  /**
   * {@link #tile} two vectors wide ({@code MR x 2·VLEN}), for the last panel of a C whose width
   * leaves two vectors over (1024 = 21·48 + 16 would otherwise compute that panel at 48 columns
   * and keep 16). The packed B panel is the same (row stride {@link #NR}); every element gets the
   * full tile's FMA chain, so the bits do not change.
   */
  static void tile2(int kc, float[] ap, int ai, float[] bp, int bi,
                    float[] c0, int i0, int ld0, float[] c, int ci, int ldc) {
    int r = i0;
    FloatVector c00 = FloatVector.fromArray(SPECIES, c0, r), c01 = FloatVector.fromArray(SPECIES, c0, r + VLEN); r += ld0;
    FloatVector c10 = FloatVector.fromArray(SPECIES, c0, r), c11 = FloatVector.fromArray(SPECIES, c0, r + VLEN); r += ld0;
    FloatVector c20 = FloatVector.fromArray(SPECIES, c0, r), c21 = FloatVector.fromArray(SPECIES, c0, r + VLEN); r += ld0;
    FloatVector c30 = FloatVector.fromArray(SPECIES, c0, r), c31 = FloatVector.fromArray(SPECIES, c0, r + VLEN); r += ld0;
    FloatVector c40 = FloatVector.fromArray(SPECIES, c0, r), c41 = FloatVector.fromArray(SPECIES, c0, r + VLEN); r += ld0;
    FloatVector c50 = FloatVector.fromArray(SPECIES, c0, r), c51 = FloatVector.fromArray(SPECIES, c0, r + VLEN);
    for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
      FloatVector b1 = FloatVector.fromArray(SPECIES, bp, bi + VLEN);
      FloatVector a = FloatVector.broadcast(SPECIES, ap[ai]);
      c00 = a.fma(b0, c00); c01 = a.fma(b1, c01);
      a = FloatVector.broadcast(SPECIES, ap[ai + 1]);
      c10 = a.fma(b0, c10); c11 = a.fma(b1, c11);
      a = FloatVector.broadcast(SPECIES, ap[ai + 2]);
      c20 = a.fma(b0, c20); c21 = a.fma(b1, c21);
      a = FloatVector.broadcast(SPECIES, ap[ai + 3]);
      c30 = a.fma(b0, c30); c31 = a.fma(b1, c31);
      a = FloatVector.broadcast(SPECIES, ap[ai + 4]);
      c40 = a.fma(b0, c40); c41 = a.fma(b1, c41);
      a = FloatVector.broadcast(SPECIES, ap[ai + 5]);
      c50 = a.fma(b0, c50); c51 = a.fma(b1, c51);
    }
    r = ci;
    c00.intoArray(c, r); c01.intoArray(c, r + VLEN); r += ldc;
    c10.intoArray(c, r); c11.intoArray(c, r + VLEN); r += ldc;
    c20.intoArray(c, r); c21.intoArray(c, r + VLEN); r += ldc;
    c30.intoArray(c, r); c31.intoArray(c, r + VLEN); r += ldc;
    c40.intoArray(c, r); c41.intoArray(c, r + VLEN); r += ldc;
    c50.intoArray(c, r); c51.intoArray(c, r + VLEN);
  }

  /** {@link #tile2} one vector wide ({@code MR x VLEN}). */
  static void tile1(int kc, float[] ap, int ai, float[] bp, int bi,
                    float[] c0, int i0, int ld0, float[] c, int ci, int ldc) {
    FloatVector c00 = FloatVector.fromArray(SPECIES, c0, i0), c10 = FloatVector.fromArray(SPECIES, c0, i0 + ld0);
    FloatVector c20 = FloatVector.fromArray(SPECIES, c0, i0 + 2 * ld0), c30 = FloatVector.fromArray(SPECIES, c0, i0 + 3 * ld0);
    FloatVector c40 = FloatVector.fromArray(SPECIES, c0, i0 + 4 * ld0), c50 = FloatVector.fromArray(SPECIES, c0, i0 + 5 * ld0);
    for (int p = 0; p < kc; p++, ai += MR, bi += NR) {
      FloatVector b0 = FloatVector.fromArray(SPECIES, bp, bi);
      c00 = FloatVector.broadcast(SPECIES, ap[ai]).fma(b0, c00);
      c10 = FloatVector.broadcast(SPECIES, ap[ai + 1]).fma(b0, c10);
      c20 = FloatVector.broadcast(SPECIES, ap[ai + 2]).fma(b0, c20);
      c30 = FloatVector.broadcast(SPECIES, ap[ai + 3]).fma(b0, c30);
      c40 = FloatVector.broadcast(SPECIES, ap[ai + 4]).fma(b0, c40);
      c50 = FloatVector.broadcast(SPECIES, ap[ai + 5]).fma(b0, c50);
    }
    c00.intoArray(c, ci); c10.intoArray(c, ci + ldc); c20.intoArray(c, ci + 2 * ldc);
    c30.intoArray(c, ci + 3 * ldc); c40.intoArray(c, ci + 4 * ldc); c50.intoArray(c, ci + 5 * ldc);
  }

  /** The tile {@code vectors} (1, 2 or 3) wide: {@link #tile1}, {@link #tile2} or {@link #tile}. */
  static void tile(int vectors, int kc, float[] ap, int ai, float[] bp, int bi,
                   float[] c0, int i0, int ld0, float[] c, int ci, int ldc) {
    switch (vectors) {
      case 1 -> tile1(kc, ap, ai, bp, bi, c0, i0, ld0, c, ci, ldc);
      case 2 -> tile2(kc, ap, ai, bp, bi, c0, i0, ld0, c, ci, ldc);
      default -> tile(kc, ap, ai, bp, bi, c0, i0, ld0, c, ci, ldc);
    }
  }
}
