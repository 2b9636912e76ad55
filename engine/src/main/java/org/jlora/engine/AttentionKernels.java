package org.jlora.engine;

/**
 * The attention family: head layout moves, causal grouped-query attention and RoPE, on tensors.
 *
 * <p>A training step's attention is then a fixed sequence of these calls with no host read in
 * between (so it can be captured and replayed on a device):
 *
 * <pre>
 *   ropeForward(q), ropeForward(k)                     q [B, T, H, D], k [B, T, Hkv, D]
 *   toHeads(q, 0, 1/sqrt(D), qh), toHeads(k, 0, 1, kh), toHeads(v, 0, 1, vh)
 *   causalForward(qh, kh, vh, yh, probs);  fromHeads(yh, 0, 1, y)
 *   backward: toHeads(dy) -> causalBackward(...) -> fromHeads(dqh, 0, 1/sqrt(D), dq),
 *             fromHeads(dkh, 0, 1, dk), fromHeads(dvh, 0, 1, dv)   (sums each group's copies)
 *             -> ropeBackward(dq), ropeBackward(dk)
 * </pre>
 *
 * {@link Backends#vector()} runs the CPU kernels ({@code AttentionVector}), {@link Backends#scalar()}
 * the readable twins ({@code AttentionScalar}) the vector kernels are tested against.
 */
public interface AttentionKernels {
  /** Query rows per block of causal attention: small enough to skip most of the masked triangle. */
  int CAUSAL_BLOCK = 32;

  /**
   * Floats of saved probabilities per head for T positions: block after block of
   * {@link #CAUSAL_BLOCK} query rows {@code [i0, i1)}, each a dense {@code [i1 - i0, i1]} matrix
   * (row i holds P[i, 0..i], then zeros to i1).
   */
  static int packedSize(int t) {
    int size = 0;
    for (int i0 = 0; i0 < t; i0 += CAUSAL_BLOCK) {
      int i1 = Math.min(t, i0 + CAUSAL_BLOCK);
      size += (i1 - i0) * i1;
    }
    return size;
  }

  /**
   * Rows to heads: {@code heads[b, h, t, :] = scale · x[b, t, (part,) h / (H/Hx), :]}. With
   * grouped-query attention a key/value head is not repeated here: pass Hx = H only for queries.
   */
  // x: [B, T, Hx, D] or [B, T, P, Hx, D] (P projections in a row, e.g. GPT-2's qkv) -> heads: [B, H, T, D]
  void toHeads(Tensor x, int part, float scale, Tensor heads);

  /**
   * Heads to rows, written: {@code x[b, t, (part,) xh, :] = scale · sum_r heads[b, xh·(H/Hx) + r, t, :]},
   * the copies added in order. With Hx < H this is the GQA key/value gradient's sum over the
   * query heads that shared a key/value head. Other parts of a fused row are left alone.
   */
  // heads: [B, H, T, D] -> x: [B, T, Hx, D] or [B, T, P, Hx, D]
  void fromHeads(Tensor heads, int part, float scale, Tensor x);

  /**
   * Causal attention, query head h reading key/value head {@code h / (H/Hkv)} in place:
   * {@code y = softmax_causal(q·kᵀ)·v} with q already scaled by {@code 1/sqrt(D)}; writes y and
   * the probabilities backward needs, packed ({@link #packedSize}); the masked upper triangle is
   * not computed beyond the diagonal blocks.
   */
  // q: [B, H, T, D], k, v: [B, Hkv, T, D] -> y: [B, H, T, D], probs: [B, H, packedSize(T)]
  void causalForward(Tensor q, Tensor k, Tensor v, Tensor y, Tensor probs);

  /**
   * Backward of {@link #causalForward}, all outputs written: dq with respect to the scaled q,
   * and dk, dv ONE PER QUERY HEAD, to be summed per group by {@link #fromHeads}.
   */
  // q, dy, dq, dk, dv: [B, H, T, D], k, v: [B, Hkv, T, D], probs: [B, H, packedSize(T)]
  void causalBackward(Tensor q, Tensor k, Tensor v, Tensor probs, Tensor dy,
                              Tensor dq, Tensor dk, Tensor dv);

  /**
   * RoPE: each pair (a, b) of a head (which pairs: {@code layout}) at position t turns by its
   * angle: {@code a' = a·cos - b·sin, b' = a·sin + b·cos}, the tables from {@link RopeTable}.
   * y may be x (in place).
   */
  // x: [B, T, H, D], cos, sin: [T, D/2] -> y: [B, T, H, D]
  void ropeForward(Tensor x, Tensor cos, Tensor sin, RopeLayout layout, Tensor y);

  /** RoPE's backward: the gradient turned back by the same angle (sin negated); dx may be dy. */
  // dy: [B, T, H, D], cos, sin: [T, D/2] -> dx: [B, T, H, D]
  void ropeBackward(Tensor dy, Tensor cos, Tensor sin, RopeLayout layout, Tensor dx);

  // ---------------------------------------------------------------- generation over a KV cache
  // A decode step is then a fixed sequence of calls whose only per-step inputs are the token ids
  // and the position (int[] read by the kernels when they run, not baked into the call), so one
  // recording serves every position:
  //   ropeAt(q), ropeAt(k) over tables for the whole context; cacheWrite(k), cacheWrite(v);
  //   toHeads(q, 0, 1/sqrt(D), qh); cachedAttention(qh, kCache, vCache, position, yh); fromHeads(yh)

  /**
   * Stores new rows in a key or value cache: {@code cache[b, h, pos + t, :] = x[b, t, (part,) h, :]}
   * for the T new positions, {@code pos = position[0]}; the other rows are left alone.
   */
  // x: [B, T, Hkv, D] or [B, T, P, Hkv, D] (part of a fused row), position: {pos} -> cache: [B, Hkv, Tmax, D]
  void cacheWrite(Tensor x, int part, int[] position, Tensor cache);

  /**
   * Causal attention of T new queries at positions {@code pos .. pos+T-1} ({@code pos = position[0]})
   * over a cache that holds every key and value up to them: query t of head h attends cached rows
   * {@code 0 .. pos+t} of key/value head {@code h / (H/Hkv)}, {@code y = softmax(q·kᵀ)·v} with q
   * already scaled by {@code 1/sqrt(D)}. Rows past {@code pos+T-1} are never read.
   */
  // q: [B, H, T, D] (scaled), kCache, vCache: [B, Hkv, Tmax, D], position: {pos} -> y: [B, H, T, D]
  void cachedAttention(Tensor q, Tensor kCache, Tensor vCache, int[] position, Tensor y);

  /**
   * RoPE at a position read when the kernel runs: row t of x turns by the angles of position
   * {@code position[0] + t}, rows of tables built once for the whole context. y may be x.
   */
  // x: [B, T, H, D], cos, sin: [Tmax, D/2], position: {pos} -> y: [B, T, H, D]
  void ropeAt(Tensor x, Tensor cos, Tensor sin, int[] position, RopeLayout layout, Tensor y);

  /**
   * The position of T new rows in a context of {@code tMax}: {@code position[0]}, checked to be
   * a single value with the T rows inside the context; every backend's door calls it.
   */
  static int checkPosition(String op, int[] position, int t, int tMax) {
    if (position == null || position.length != 1) {
      throw new ShapeException(op + ": the position must be one int (the first new row's), got "
          + (position == null ? "none" : position.length + " values"));
    }
    int pos = position[0];
    if (pos < 0 || (long) pos + t > tMax) {
      throw new IllegalArgumentException(op + ": positions " + pos + ".." + (pos + t - 1) + " are outside the "
          + tMax + " positions of the cache (or tables)");
    }
    return pos;
  }

  /**
   * Checks the operands of {@link #cacheWrite}: rows x [B, T, Hkv, D] or [B, T, P, Hkv, D] (part
   * in [0, P)), cache [B, Hkv, Tmax, D] with T at most Tmax; returns the cache's shape. Every
   * backend's door calls it.
   */
  static int[] checkCacheWriteShapes(String op, Tensor x, int part, Tensor cache) {
    int[] xs = x.shape(), cs = cache.shape();
    boolean fused = xs.length == 5;
    int parts = fused ? xs[2] : 1;
    int hx = fused ? xs[3] : xs.length == 4 ? xs[2] : -1;
    boolean ok = (xs.length == 4 || fused) && cs.length == 4 && part >= 0 && part < parts && cs[0] == xs[0]
        && cs[1] == hx && cs[3] == xs[xs.length - 1] && xs[1] <= cs[2];
    if (!ok) {
      throw new ShapeException(op + ": rows " + Shapes.str(xs) + " (part " + part + ") and cache " + Shapes.str(cs)
          + " must be [B, T, Hkv, D] or [B, T, P, Hkv, D] and [B, Hkv, Tmax, D] with T <= Tmax");
    }
    return cs;
  }

  /**
   * Checks the operands of {@link #cachedAttention}: q and y [B, H, T, D], caches [B, Hkv, Tmax, D]
   * with H a multiple of Hkv and T at most Tmax; every backend's door calls it.
   */
  static void checkCachedShapes(String op, Tensor q, Tensor kCache, Tensor vCache, Tensor y) {
    int[] qs = q.shape(), ks = kCache.shape();
    boolean ok = qs.length == 4 && ks.length == 4 && kCache.sameShape(vCache) && q.sameShape(y) && qs[0] == ks[0]
        && qs[3] == ks[3] && ks[1] >= 1 && qs[1] % ks[1] == 0 && qs[2] <= ks[2];
    if (!ok) {
      throw new ShapeException(op + ": q " + Shapes.str(qs) + ", caches " + Shapes.str(ks) + " and "
          + Shapes.str(vCache.shape()) + ", y " + Shapes.str(y.shape()) + " must be [B, H, T, D], [B, Hkv, Tmax, D]"
          + " twice (H a multiple of Hkv, T <= Tmax) and [B, H, T, D]");
    }
  }

  /**
   * Checks the operands of {@link #ropeAt}: x and y [B, T, H, D] (D even), cos and sin
   * [Tmax, D/2]; returns Tmax. Every backend's door calls it.
   */
  static int checkRopeAtShapes(String op, Tensor x, Tensor cos, Tensor sin, Tensor y) {
    int[] s = x.shape();
    boolean ok = s.length == 4 && s[3] % 2 == 0 && x.sameShape(y)
        && cos.rank() == 2 && cos.sameShape(sin) && cos.dim(1) == s[3] / 2;
    if (!ok) {
      throw new ShapeException(op + ": x " + Shapes.str(s) + ", out " + Shapes.str(y.shape()) + ", cos "
          + Shapes.str(cos.shape()) + ", sin " + Shapes.str(sin.shape())
          + " must be [B, T, H, D] (D even) twice and [Tmax, D/2] twice");
    }
    return cos.dim(0);
  }

  /**
   * Checks the operands of {@link #ropeForward}/{@link #ropeBackward}: x and y the same
   * [B, T, H, D] with D even, cos and sin the same [T, D/2]; every backend's door calls it.
   */
  static void checkRopeShapes(String op, Tensor x, Tensor cos, Tensor sin, Tensor y) {
    int[] s = x.shape();
    boolean ok = s.length == 4 && s[3] % 2 == 0 && x.sameShape(y)
        && cos.rank() == 2 && cos.sameShape(sin) && cos.dim(0) == s[1] && cos.dim(1) == s[3] / 2;
    if (!ok) {
      throw new ShapeException(op + ": x " + Shapes.str(s) + ", out " + Shapes.str(y.shape()) + ", cos "
          + Shapes.str(cos.shape()) + ", sin " + Shapes.str(sin.shape())
          + " must be [B, T, H, D] (D even) twice and [T, D/2] twice");
    }
  }

  /**
   * Checks the operands of {@link #causalForward}/{@link #causalBackward}: q [B, H, T, D], k and v
   * [B, Hkv, T, D] with H a multiple of Hkv, probs [B, H, packedSize(T)]; every backend's door calls it.
   */
  static void checkCausalShapes(String op, Tensor q, Tensor k, Tensor v, Tensor probs) {
    int[] qs = q.shape(), ks = k.shape();
    boolean ok = qs.length == 4 && ks.length == 4 && k.sameShape(v) && qs[0] == ks[0] && qs[2] == ks[2]
        && qs[3] == ks[3] && ks[1] >= 1 && qs[1] % ks[1] == 0 && probs.rank() == 3 && probs.dim(0) == qs[0]
        && probs.dim(1) == qs[1] && probs.dim(2) == AttentionKernels.packedSize(qs[2]);
    if (!ok) {
      throw new ShapeException(op + ": q " + Shapes.str(qs) + ", k " + Shapes.str(ks) + ", v " + Shapes.str(v.shape())
          + ", probs " + Shapes.str(probs.shape()) + " must be [B, H, T, D], [B, Hkv, T, D] twice (H a multiple of Hkv)"
          + " and [B, H, packedSize(T)]");
    }
  }
}
