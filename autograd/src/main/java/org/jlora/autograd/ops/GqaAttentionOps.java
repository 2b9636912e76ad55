package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.AttentionKernels;
import org.jlora.engine.Backends;
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
 * <p>The training path is the attention kernel family: head moves ({@code toHeads},
 * {@code fromHeads}) around causal attention ({@code causalForward}, {@code causalBackward}),
 * which reads each key/value head in place for its H/Hkv query heads (no {@code repeat_kv}
 * copies) and skips the masked upper triangle; in backward the H/Hkv query heads' key/value
 * gradients are summed into their head by {@code fromHeads}, each output element by one thread.
 *
 * <p>The generation path ({@link #cached}) runs without gradients: it appends the new keys and
 * values to a cache [B, Hkv, Tmax, D] and attends each new query over every cached position up
 * to its own, with the attention family's cache kernels (every model's cached branch goes through
 * it: GPT-2's fused rows and Llama's separate q, k, v alike).
 */
public final class GqaAttentionOps {
  private GqaAttentionOps() {}

  /** q [B, T, H, D], k and v [B, T, Hkv, D] -> y [B, T, H·D], causal, no dropout. */
  public static Variable attention(Variable q, Variable k, Variable v) {
    int[] qs = q.shape();
    int[] ks = k.shape();
    checkShapes("groupedQueryAttention", qs, ks, v.shape());
    AttentionKernels at = Backends.current().attention();
    int b = qs[0];
    int t = qs[1];
    int h = qs[2];
    int d = qs[3];
    int hkv = ks[2];
    float scale = (float) (1.0 / Math.sqrt(d));

    // q [B, T, H, D] -> qh [B, H, T, D] (scaled); k, v [B, T, Hkv, D] -> kh, vh [B, Hkv, T, D] (not repeated:
    // query head h reads key/value head h / (H/Hkv) in place)
    Tensor qh = Tensor.zeros(b, h, t, d);
    Tensor kh = Tensor.zeros(b, hkv, t, d);
    Tensor vh = Tensor.zeros(b, hkv, t, d);
    at.toHeads(q.value(), 0, scale, qh);
    at.toHeads(k.value(), 0, 1f, kh);
    at.toHeads(v.value(), 0, 1f, vh);

    // yh [B, H, T, D] = causal softmax((q·s)·kᵀ)·v, the masked triangle skipped; P kept packed
    Tensor yh = Tensor.zeros(b, h, t, d);
    Tensor probs = Tensor.zeros(b, h, AttentionKernels.packedSize(t));
    at.causalForward(qh, kh, vh, yh, probs);
    Tensor y = Tensor.zeros(b, t, h * d);
    at.fromHeads(yh, 0, 1f, y.reshape(b, t, h, d));

    return Variable.fromOp("grouped_query_attention", y, g -> {
      // g [B, T, H·D] -> gh [B, H, T, D]
      Tensor gh = Tensor.zeros(b, h, t, d);
      at.toHeads(g.reshape(b, t, h, d), 0, 1f, gh);
      // d(q·s) [B, H, T, D]; dk, dv one per query head [B, H, T, D], summed per group by fromHeads
      Tensor dqh = Tensor.zeros(b, h, t, d);
      Tensor dkh = Tensor.zeros(b, h, t, d);
      Tensor dvh = Tensor.zeros(b, h, t, d);
      at.causalBackward(qh, kh, vh, probs, gh, dqh, dkh, dvh);
      // back to rows; dq = s · d(q·s); the H/Hkv copies of each key/value head are summed
      if (q.requiresGrad()) q.accumulateOwnedGrad(rows(at, dqh, b, t, h, d, scale));
      if (k.requiresGrad()) k.accumulateOwnedGrad(rows(at, dkh, b, t, hkv, d, 1f));
      if (v.requiresGrad()) v.accumulateOwnedGrad(rows(at, dvh, b, t, hkv, d, 1f));
    }, q, k, v);
  }

  /** heads [B, H, T, D] -> a new x [B, T, Hx, D], times {@code scale}, each of x's heads summing its H/Hx copies. */
  private static Tensor rows(AttentionKernels at, Tensor heads, int b, int t, int hx, int d, float scale) {
    Tensor x = Tensor.zeros(b, t, hx, d);
    at.fromHeads(heads, 0, scale, x);
    return x;
  }

  /**
   * The generation path (no gradients), as attention-family calls on tensors only, so a decode
   * step is a fixed sequence of kernels whose one per-step value is {@code position} (the
   * {@code int[] {pos}} the kernels read when they run): stores k and v at positions
   * {@code pos .. pos+T-1} of a layer's cache {@code kCache, vCache} [B, Hkv, Tmax, D], then for
   * every new query position {@code pos + i}: {@code y = softmax(q·Kᵀ[0..pos+i] / sqrt(D)) · V[0..pos+i]}.
   * q, k and v are rows [B, T, Hx, D], or one part of fused rows [B, T, P, Hx, D] (GPT-2's
   * [q | k | v]). The caller advances the cache's position once every layer is done.
   */
  // q: [B, T, (P,) H, D], k, v: [B, T, (P,) Hkv, D], caches: [B, Hkv, Tmax, D] -> y: [B, T, H·D]
  public static Tensor cached(Tensor q, int qPart, Tensor k, int kPart, Tensor v, int vPart, Tensor kCache,
                              Tensor vCache, int[] position) {
    int[] qs = q.shape();
    if (qs.length != 4 && qs.length != 5) {
      throw new ShapeException("attention (cached): q " + Shapes.str(qs) + " must be [B, T, H, D] or [B, T, P, H, D]");
    }
    int b = qs[0];
    int t = qs[1];
    int h = qs[qs.length - 2];
    int d = qs[qs.length - 1];
    AttentionKernels at = Backends.current().attention();
    at.cacheWrite(k, kPart, position, kCache);
    at.cacheWrite(v, vPart, position, vCache);
    Tensor qh = Tensor.zeros(b, h, t, d);
    at.toHeads(q, qPart, (float) (1.0 / Math.sqrt(d)), qh);
    Tensor yh = Tensor.zeros(b, h, t, d);
    at.cachedAttention(qh, kCache, vCache, position, yh);
    Tensor y = Tensor.zeros(b, t, h * d);
    at.fromHeads(yh, 0, 1f, y.reshape(b, t, h, d));
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
}
