package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;

/**
 * Attention of new queries over a KV cache on the Vector API, parallel over query heads; the
 * definition is {@link CachedAttentionScalar}'s. A decode step has one query row per head, so
 * there is no block of rows to tile: each row's scores are dot products along D against the
 * cached keys (FMA over whole vectors), the softmax is causal attention's row softmax
 * ({@link AttentionTiles#causalSoftmaxRow}), and y accumulates the weighted value rows along D.
 * Each query head is computed wholly by one thread in a fixed order, so results do not depend
 * on the thread count; they agree with the scalar twin to within float rounding.
 */
final class CachedAttentionVector {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();
  /** This thread's scratch: one row's scores [pos + T], a vector's lanes. */
  private static final ThreadLocal<float[][]> SCRATCH = ThreadLocal.withInitial(() -> new float[2][0]);

  private CachedAttentionVector() {}

  // q, y: [bh, T, D] (q scaled), k, v: [bh / group, Tmax, D] rows 0..pos+T-1 filled
  static void forward(int bh, int group, int t, int d, int tMax, int pos, float[] qs, int qOff, float[] ks, int kOff,
                      float[] vs, int vOff, float[] ys, int yOff) {
    long work = (long) bh * t * (pos + t) * d * 2;
    Parallel.forRange(bh, work, (from, to) -> {
      float[] s = scratch(0, pos + t);
      float[] lanes = scratch(1, L);
      int whole = d / L * L;
      for (int m = from; m < to; m++) {
        int ko = kOff + (m / group) * tMax * d, vo = vOff + (m / group) * tMax * d;
        for (int i = 0; i < t; i++) {
          int n = pos + i + 1;
          int qo = qOff + (m * t + i) * d, yo = yOff + (m * t + i) * d;
          for (int j = 0; j < n; j++) s[j] = dot(d, whole, qs, qo, ks, ko + j * d);
          AttentionTiles.causalSoftmaxRow(s, 0, n, n, lanes);
          // y = sum_j P[j]·v[j], a whole row of D at a time
          for (int e = 0; e < whole; e += L) {
            FloatVector acc = FloatVector.zero(SPECIES);
            for (int j = 0; j < n; j++) acc = FloatVector.fromArray(SPECIES, vs, vo + j * d + e).fma(FloatVector.broadcast(SPECIES, s[j]), acc);
            acc.intoArray(ys, yo + e);
          }
          for (int e = whole; e < d; e++) {
            float sum = 0f;
            for (int j = 0; j < n; j++) sum += s[j] * vs[vo + j * d + e];
            ys[yo + e] = sum;
          }
        }
      }
    });
  }

  private static float dot(int d, int whole, float[] a, int aOff, float[] b, int bOff) {
    float sum = 0f;
    if (whole > 0) {
      FloatVector acc = FloatVector.zero(SPECIES);
      for (int e = 0; e < whole; e += L) {
        acc = FloatVector.fromArray(SPECIES, a, aOff + e).fma(FloatVector.fromArray(SPECIES, b, bOff + e), acc);
      }
      sum = Lanes.sum(acc);
    }
    for (int e = whole; e < d; e++) sum += a[aOff + e] * b[bOff + e];
    return sum;
  }

  private static float[] scratch(int which, int size) {
    float[][] mine = SCRATCH.get();
    if (mine[which].length < size) mine[which] = new float[size];
    return mine[which];
  }
}
