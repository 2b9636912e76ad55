package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Causal grouped-query attention (Llama's): H query heads share Hkv key/value heads, query head h
 * reading key/value head {@code h / (H/Hkv)} (Hkv = H is plain multi-head attention, Hkv = 1
 * multi-query attention). Per query head, as in {@link AttentionOps}:
 *
 * <pre>
 *   S = (q·s)·kᵀ,  s = 1/sqrt(D)          [T, D]·[D, T] -> [T, T]
 *   P = softmax(S) over keys j <= i       (the causal mask)
 *   y = P·v                               [T, T]·[T, D] -> [T, D]
 * </pre>
 *
 * <p>The training path ({@link CausalAttention}) reads each key/value head in place for its H/Hkv
 * query heads (no {@code repeat_kv} copies) and skips the masked upper triangle; in backward the
 * H/Hkv query heads' key/value gradients are summed into their head, each output element by one
 * thread (no atomics).
 *
 * <p>The generation path ({@link #cached}) runs without gradients: it appends the new keys and
 * values to a cache [B, Hkv, Tmax, D] and attends each new query over every cached position up
 * to its own.
 */
public final class GqaAttentionOps {
  private GqaAttentionOps() {}

  /** q [B, T, H, D], k and v [B, T, Hkv, D] -> y [B, T, H·D], causal, no dropout. */
  public static Variable attention(Variable q, Variable k, Variable v) {
    int[] qs = q.shape();
    int[] ks = k.shape();
    checkShapes("groupedQueryAttention", qs, ks, v.shape());
    Backend be = Backends.current();
    int b = qs[0];
    int t = qs[1];
    int h = qs[2];
    int d = qs[3];
    int hkv = ks[2];
    int bh = b * h;
    int headSize = bh * t * d;   // one of q, k, v in head-major order [B, H, T, D]
    float scale = (float) (1.0 / Math.sqrt(d));

    // q [B, T, H, D] -> qh [B, H, T, D] (scaled); k, v [B, T, Hkv, D] -> kh, vh [B, Hkv, T, D] (not repeated:
    // query head h reads key/value head h / (H/Hkv) in place)
    int group = h / hkv;
    float[] qh = new float[headSize];
    float[] kh = new float[b * hkv * t * d];
    float[] vh = new float[b * hkv * t * d];
    toHeads(q.value(), qh, b, t, h, h, d, scale);
    toHeads(k.value(), kh, b, t, hkv, hkv, d, 1f);
    toHeads(v.value(), vh, b, t, hkv, hkv, d, 1f);

    // yh [B·H, T, D] = causal softmax((q·s)·kᵀ)·v, the masked triangle skipped; P kept packed
    float[] yh = new float[headSize];
    Tensor qT = Tensor.of(qh, qh.length), kT = Tensor.of(kh, kh.length), vT = Tensor.of(vh, vh.length);
    Tensor p = CausalAttention.forward(be, bh, group, t, d, qT, kT, vT, Tensor.of(yh, yh.length));
    Tensor y = Tensor.zeros(b, t, h * d);
    fromHeads(yh, y.data(), b, t, h, h, d, 1f);

    return Variable.fromOp("grouped_query_attention", y, g -> {
      // g [B, T, H·D] -> gh [B, H, T, D]
      float[] gh = new float[headSize];
      toHeads(Tensor.view(g.data(), g.offset(), b, t, h, d), gh, b, t, h, h, d, 1f);
      // d(q·s) [B·H, T, D]; dk, dv one per query head [B·H, T, D], summed per group below
      float[] dqh = new float[headSize];
      float[] dkh = new float[headSize];
      float[] dvh = new float[headSize];
      CausalAttention.backward(be, bh, group, t, d, qT, kT, vT, p, Tensor.of(gh, headSize), Tensor.of(dqh, headSize),
          Tensor.of(dkh, headSize), Tensor.of(dvh, headSize));
      // back to rows; dq = s · d(q·s); the H/Hkv copies of each key/value head are summed
      if (q.requiresGrad()) q.accumulateOwnedGrad(rows(dqh, b, t, h, h, d, scale));
      if (k.requiresGrad()) k.accumulateOwnedGrad(rows(dkh, b, t, h, hkv, d, 1f));
      if (v.requiresGrad()) v.accumulateOwnedGrad(rows(dvh, b, t, h, hkv, d, 1f));
    }, q, k, v);
  }

  /**
   * The generation path (no gradients): stores k and v [B, t, Hkv, D] at positions
   * {@code pos .. pos+t-1} of a layer's cache {@code kCache, vCache} [B, Hkv, Tmax, D], then for
   * every new query position {@code pos + i}: {@code y = softmax(q·Kᵀ[0..pos+i] / sqrt(D)) · V[0..pos+i]}.
   * q [B, t, H, D] -> y [B, t, H·D]. The caller advances the cache's length once every layer is done.
   */
  public static Tensor cached(Tensor q, Tensor k, Tensor v, float[] kCache, float[] vCache, int maxLength, int pos) {
    int[] qs = q.shape();
    int[] ks = k.shape();
    checkShapes("groupedQueryAttention (cached)", qs, ks, v.shape());
    int b = qs[0];
    int t = qs[1];
    int h = qs[2];
    int d = qs[3];
    int hkv = ks[2];
    int group = h / hkv;
    if (pos < 0 || pos + t > maxLength || kCache.length != b * hkv * maxLength * d || vCache.length != kCache.length) {
      throw new ShapeException("groupedQueryAttention (cached): positions " + pos + ".." + (pos + t - 1)
          + " of a cache [" + b + ", " + hkv + ", " + maxLength + ", " + d + "] holding " + kCache.length + " floats");
    }
    // append: k, v [B, t, Hkv, D] -> cache rows (b, kvh, pos + i)
    for (int bi = 0; bi < b; bi++) {
      for (int i = 0; i < t; i++) {
        for (int kh = 0; kh < hkv; kh++) {
          int src = ((bi * t + i) * hkv + kh) * d;
          int dst = ((bi * hkv + kh) * maxLength + pos + i) * d;
          System.arraycopy(k.data(), k.offset() + src, kCache, dst, d);
          System.arraycopy(v.data(), v.offset() + src, vCache, dst, d);
        }
      }
    }
    Backend be = Backends.current();
    float scale = (float) (1.0 / Math.sqrt(d));
    Tensor y = Tensor.zeros(b, t, h * d);
    Tensor keys = Tensor.of(kCache, kCache.length);
    Tensor values = Tensor.of(vCache, vCache.length);
    // one task per (batch row, query head): each writes only its own head's columns of y
    Parallel.forRange(b * h, (long) b * h * t * (pos + t) * d * 2, (from, to) -> {
      float[] qrow = new float[d];
      Tensor qRow = Tensor.of(qrow, d);
      Tensor allScores = Tensor.zeros(pos + t);
      for (int m = from; m < to; m++) {
        int bi = m / h;
        int hi = m % h;
        int kv = (bi * hkv + hi / group) * maxLength * d;   // this head's K, V: [Tmax, D], rows 0.. filled
        for (int i = 0; i < t; i++) {
          int n = pos + i + 1;                               // keys 0..pos+i are visible
          int qAt = q.offset() + ((bi * t + i) * h + hi) * d;
          for (int e = 0; e < d; e++) qrow[e] = scale * q.data()[qAt + e];
          Tensor scores = allScores.window(0, n);
          // scoresᵀ [n, 1] = K [n, D] · (q·s)ᵀ
          be.matmul().matmul(1, n, 1, d, keys.window(kv, n, d), false, qRow, true, false, scores, false);
          be.rows().softmax(1, n, scores, scores);
          // yᵀ [D, 1] = Vᵀ [D, n] · pᵀ [n, 1], into this position's head columns
          be.matmul().matmul(1, d, 1, n, values.window(kv, n, d), true, scores, false, false,
              y.window(((bi * t + i) * h + hi) * d, d), false);
        }
      }
    });
    return y;
  }

  private static void checkShapes(String op, int[] qs, int[] ks, int[] vs) {
    boolean ok = qs.length == 4 && ks.length == 4 && java.util.Arrays.equals(ks, vs)
        && qs[0] == ks[0] && qs[1] == ks[1] && qs[3] == ks[3] && ks[2] >= 1 && qs[2] % ks[2] == 0;
    if (!ok) {
      throw new ShapeException(op + ": q " + Shapes.str(qs) + ", k " + Shapes.str(ks) + ", v " + Shapes.str(vs)
          + " must be [B, T, H, D] and [B, T, Hkv, D] with H a multiple of Hkv");
    }
  }

  /** x [B, T, Hx, D] -> heads [B, H, T, D], head h reading x's head h / (H/Hx), times {@code f}. */
  private static void toHeads(Tensor x, float[] heads, int b, int t, int h, int hx, int d, float f) {
    float[] xs = x.data();
    int xo = x.offset();
    int group = h / hx;
    Parallel.forRange(b * h, (long) b * h * t * d, (from, to) -> {
      for (int m = from; m < to; m++) {
        int bi = m / h;
        int src = xo + (bi * t * hx + (m % h) / group) * d;
        for (int ti = 0; ti < t; ti++) {
          int r = src + ti * hx * d;
          int dst = (m * t + ti) * d;
          for (int e = 0; e < d; e++) heads[dst + e] = f * xs[r + e];
        }
      }
    });
  }

  /**
   * heads [B, H, T, D] -> a new x [B, T, Hx, D], times {@code f}: each of x's heads sums its
   * H/Hx copies (in order, one output row per task).
   */
  private static Tensor rows(float[] heads, int b, int t, int h, int hx, int d, float f) {
    Tensor out = Tensor.zeros(b, t, hx, d);
    fromHeads(heads, out.data(), b, t, h, hx, d, f);
    return out;
  }

  private static void fromHeads(float[] heads, float[] x, int b, int t, int h, int hx, int d, float f) {
    int group = h / hx;
    Parallel.forRange(b * t, (long) b * t * h * d, (from, to) -> {
      for (int bt = from; bt < to; bt++) {
        int bi = bt / t;
        int ti = bt % t;
        for (int xh = 0; xh < hx; xh++) {
          int dst = (bt * hx + xh) * d;
          for (int r = 0; r < group; r++) {
            int src = ((bi * h + xh * group + r) * t + ti) * d;
            for (int e = 0; e < d; e++) x[dst + e] += heads[src + e];
          }
          if (f != 1f) for (int e = 0; e < d; e++) x[dst + e] *= f;
        }
      }
    });
  }
}
