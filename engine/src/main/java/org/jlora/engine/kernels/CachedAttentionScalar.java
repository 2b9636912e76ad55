package org.jlora.engine.kernels;

/**
 * Attention of new queries over a KV cache, scalar reference: query row t of head m, at position
 * {@code pos + t}, sees the cached rows {@code 0 .. pos+t} of key/value head {@code m / (H/Hkv)}:
 *
 * <pre>
 *   S[j] = q[t]·k[j]                    j <= pos + t   (q already scaled by 1/sqrt(D))
 *   P    = softmax(S)
 *   y[t] = sum_j P[j]·v[j]
 * </pre>
 *
 * Sums run in float in the order of {@link CausalAttentionScalar#forward} (the dot products of
 * {@code dot}, {@link RowsScalar}'s softmax, then the weighted values j by j), so with
 * {@code pos = 0} and every query at once the result is its y bit for bit: the cache is causal
 * attention computed a row at a time.
 */
final class CachedAttentionScalar {
  private static final RowsScalar ROWS = new RowsScalar();

  private CachedAttentionScalar() {}

  // q, y: [bh, T, D] (q scaled), k, v: [bh / group, Tmax, D] rows 0..pos+T-1 filled
  static void forward(int bh, int group, int t, int d, int tMax, int pos, float[] qs, int qOff, float[] ks, int kOff,
                      float[] vs, int vOff, float[] ys, int yOff) {
    float[] s = new float[pos + t];   // one query row's scores over the keys it sees
    for (int m = 0; m < bh; m++) {
      int ko = kOff + (m / group) * tMax * d, vo = vOff + (m / group) * tMax * d;
      for (int i = 0; i < t; i++) {
        int n = pos + i + 1;
        int qo = qOff + (m * t + i) * d;
        for (int j = 0; j < n; j++) s[j] = CausalAttentionScalar.dot(d, qs, qo, ks, ko + j * d);
        ROWS.softmax(1, n, s, 0, s, 0);
        for (int e = 0; e < d; e++) {
          float sum = 0f;
          for (int j = 0; j < n; j++) sum += s[j] * vs[vo + j * d + e];
          ys[yOff + (m * t + i) * d + e] = sum;
        }
      }
    }
  }
}
