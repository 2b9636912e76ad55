package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.AttentionKernels;
import org.jlora.engine.Backends;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Fused causal multi-head attention straight from a fused qkv projection, GPT-2's layout:
 *
 * <pre>
 *   qkv [B, T, 3C] = [q | k | v], each C = H·D wide, head h in columns [h·D, (h+1)·D)
 *   S = (q·s)·kᵀ,  s = 1/sqrt(D)                   per head: [T, D]·[D, T] -> [T, T]
 *   P = softmax(S) over keys j <= i (j > i gets weight 0: the causal mask)
 *   y = P·v                                        per head: [T, T]·[T, D] -> [T, D]
 * </pre>
 *
 * <p>The composed form (split, three permutes, bmm, scale, mask, softmax, bmm, permute) makes
 * eight tensors and walks them each in backward; here the attention kernel family moves q, k and
 * v once into head-major order straight from their part of the fused row (with q pre-scaled),
 * the mask and softmax are one pass per row over the visible keys only, and the heads are moved
 * back once. Backward follows the standard rules, batched over
 * the B·H heads:
 *
 * <pre>
 *   dP = dy·vᵀ,  dv = Pᵀ·dy,  dS = P ∘ (dP - rowsum(dP ∘ P)),  d(q·s) = dS·k,  dk = dSᵀ·(q·s)
 * </pre>
 *
 * Masked entries have P = 0, so the softmax rule gives them dS = 0 with no mask in backward.
 */
public final class AttentionOps {
  private AttentionOps() {}

  /** qkv [B, T, 3C] -> y [B, T, C] for {@code nHead} heads of size C / nHead; no dropout. */
  public static Variable causalSelfAttention(Variable qkv, int nHead) {
    Tensor xv = qkv.value();
    int[] s = xv.shape();
    if (s.length != 3 || nHead < 1 || s[2] % (3 * nHead) != 0) {
      throw new ShapeException("causalSelfAttention: qkv " + Shapes.str(s) + " must be [B, T, 3C] with C divisible by "
          + nHead + " heads");
    }
    AttentionKernels at = Backends.current().attention();
    int b = s[0];
    int t = s[1];
    int c = s[2] / 3;
    int d = c / nHead;
    float scale = (float) (1.0 / Math.sqrt(d));

    // qkv [B, T, 3C] is [B, T, 3, H, D]: part 0 (q, scaled by s), 1 (k), 2 (v) -> heads [B, H, T, D] each
    Tensor rows = xv.reshape(b, t, 3, nHead, d);
    Tensor q = Tensor.zeros(b, nHead, t, d);
    Tensor k = Tensor.zeros(b, nHead, t, d);
    Tensor v = Tensor.zeros(b, nHead, t, d);
    at.toHeads(rows, 0, scale, q);
    at.toHeads(rows, 1, 1f, k);
    at.toHeads(rows, 2, 1f, v);

    // yh [B, H, T, D] = causal softmax((q·s)·kᵀ)·v, the masked triangle skipped; P kept packed
    Tensor yh = Tensor.zeros(b, nHead, t, d);
    Tensor probs = Tensor.zeros(b, nHead, AttentionKernels.packedSize(t));
    at.causalForward(q, k, v, yh, probs);
    Tensor y = Tensor.zeros(b, t, c);
    at.fromHeads(yh, 0, 1f, y.reshape(b, t, nHead, d));

    return Variable.fromOp("causal_self_attention", y, g -> {
      // g [B, T, C] -> gh [B, H, T, D]
      Tensor gh = Tensor.zeros(b, nHead, t, d);
      at.toHeads(g.reshape(b, t, nHead, d), 0, 1f, gh);
      Tensor dq = Tensor.zeros(b, nHead, t, d);   // d(q·s)
      Tensor dk = Tensor.zeros(b, nHead, t, d);
      Tensor dv = Tensor.zeros(b, nHead, t, d);
      at.causalBackward(q, k, v, probs, gh, dq, dk, dv);
      // heads -> dqkv [B, T, 3, H, D], each part written in its place; dq = s · d(q·s)
      Tensor dqkv = Tensor.zeros(s);
      Tensor dRows = dqkv.reshape(b, t, 3, nHead, d);
      at.fromHeads(dq, 0, scale, dRows);
      at.fromHeads(dk, 1, 1f, dRows);
      at.fromHeads(dv, 2, 1f, dRows);
      qkv.accumulateOwnedGrad(dqkv);
    }, qkv);
  }
}
