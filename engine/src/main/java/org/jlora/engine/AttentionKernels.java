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
