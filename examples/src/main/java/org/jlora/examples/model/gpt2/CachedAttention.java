package org.jlora.examples.model.gpt2;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.KvCache;

/**
 * Causal attention over a {@link KvCache}, for generation: the new keys and values of one layer
 * are stored at positions {@code pos .. pos+t-1}, then every new query attends over all cached
 * positions up to its own. Builds no autograd graph (the result is a constant): the model calls it
 * only under NoGrad.
 */
final class CachedAttention {
  private CachedAttention() {}

  /**
   * qkv [B, t, 3C] (GPT-2's fused layout: [q | k | v], head h in columns [h·D, (h+1)·D)) at
   * positions {@code cache.length() ..} -> y [B, t, C]. For each new position p:
   * {@code y = softmax(q·Kᵀ[0..p] / sqrt(D)) · V[0..p]} (causal by construction).
   */
  static Variable attend(KvCache cache, int layer, Tensor qkv, int nHead) {
    int[] s = qkv.shape();
    int b = s[0];
    int t = s[1];
    int d = cache.headSize;
    int c = nHead * d;
    int pos = cache.length();
    if (cache.kvHeads != nHead || s[2] != 3 * c || b != cache.batch || pos + t > cache.maxLength) {
      throw new IllegalArgumentException("gpt2 attention: the cache holds [" + cache.batch + ", " + cache.kvHeads + ", "
          + cache.maxLength + ", " + d + "] with " + pos + " positions filled; it does not fit " + t
          + " new positions of a batch of " + b + " with " + nHead + " heads");
    }
    float[] src = qkv.data();
    int base = qkv.offset();
    float[] k = cache.keys[layer];
    float[] v = cache.values[layer];
    // store k and v of the new positions: qkv row (bi, i) -> cache rows (bi, h, pos+i)
    for (int bi = 0; bi < b; bi++) {
      for (int i = 0; i < t; i++) {
        int row = base + (bi * t + i) * 3 * c;
        for (int h = 0; h < nHead; h++) {
          System.arraycopy(src, row + c + h * d, k, cache.at(bi, h, pos + i), d);
          System.arraycopy(src, row + 2 * c + h * d, v, cache.at(bi, h, pos + i), d);
        }
      }
    }
    float[] y = new float[b * t * c];
    float scale = (float) (1.0 / Math.sqrt(d));
    Backend be = Backends.current();
    float[] q = new float[d];
    Tensor qRow = Tensor.of(q, d);
    Tensor keys = Tensor.of(k, k.length);
    Tensor values = Tensor.of(v, v.length);
    Tensor out = Tensor.of(y, y.length);
    Tensor allScores = Tensor.zeros(pos + t);
    for (int bi = 0; bi < b; bi++) {
      for (int h = 0; h < nHead; h++) {
        int kv = cache.at(bi, h, 0);                  // K, V of this head: [Tmax, D], rows 0.. filled
        for (int i = 0; i < t; i++) {
          int n = pos + i + 1;                        // keys 0..pos+i are visible
          int qAt = base + (bi * t + i) * 3 * c + h * d;
          for (int e = 0; e < d; e++) q[e] = scale * src[qAt + e];
          // scoresᵀ [n, 1] = K [n, D] · (q·s)ᵀ: one dot product per cached key
          Tensor scores = allScores.window(0, n);
          be.matmul().matmul(1, n, 1, d, keys.window(kv, n, d), false, qRow, true, false, scores, false);
          be.rows().softmax(1, n, scores, scores);
          // yᵀ [D, 1] = Vᵀ [D, n] · pᵀ [n, 1], into this position's head columns
          be.matmul().matmul(1, d, 1, n, values.window(kv, n, d), true, scores, false, false,
              out.window((bi * t + i) * c + h * d, d), false);
        }
      }
    }
    return Variable.constant(Tensor.of(y, b, t, c));
  }
}
