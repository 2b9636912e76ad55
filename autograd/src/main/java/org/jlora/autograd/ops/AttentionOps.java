package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
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
 * eight tensors and walks them each in backward; here q, k and v are moved once into head-major
 * order (with q pre-scaled), the mask and softmax are one pass per row over the visible keys
 * only, and the heads are moved back once. Backward follows the standard rules, batched over
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
    Backend be = Backends.current();
    int b = s[0];
    int t = s[1];
    int c = s[2] / 3;
    int d = c / nHead;
    int bh = b * nHead;
    int headSize = bh * t * d;   // one of q, k, v in head-major order
    float scale = (float) (1.0 / Math.sqrt(d));

    // qkv [B, T, 3, H, D] -> heads [3, B, H, T, D] (q scaled by s)
    float[] heads = new float[3 * headSize];
    moveHeads(xv.data(), xv.offset(), heads, b, t, nHead, d, 3, scale, false);

    // yh [B·H, T, D] = causal softmax((q·s)·kᵀ)·v, the masked triangle skipped; P kept packed
    float[] yh = new float[headSize];
    Tensor headsT = Tensor.of(heads, 3 * headSize);
    Tensor q = headsT.window(0, headSize), k = headsT.window(headSize, headSize), v = headsT.window(2 * headSize, headSize);
    Tensor p = CausalAttention.forward(be, bh, 1, t, d, q, k, v, Tensor.of(yh, headSize));
    Tensor y = Tensor.zeros(b, t, c);
    moveRows(yh, y.data(), b, t, nHead, d);

    return Variable.fromOp("causal_self_attention", y, g -> {
      // g [B, T, C] -> gh [B·H, T, D]
      float[] gh = new float[headSize];
      moveHeads(g.data(), g.offset(), gh, b, t, nHead, d, 1, 1f, false);
      float[] dHeads = new float[3 * headSize];   // [3, B·H, T, D]: d(q·s), dk, dv
      Tensor dHeadsT = Tensor.of(dHeads, 3 * headSize);
      CausalAttention.backward(be, bh, 1, t, d, q, k, v, p, Tensor.of(gh, headSize), dHeadsT.window(0, headSize),
          dHeadsT.window(headSize, headSize), dHeadsT.window(2 * headSize, headSize));
      // [3, B, H, T, D] -> dqkv [B, T, 3C]; dq = s · d(q·s)
      Tensor dqkv = Tensor.zeros(s);
      moveHeads(dqkv.data(), 0, dHeads, b, t, nHead, d, 3, scale, true);
      qkv.accumulateOwnedGrad(dqkv);
    }, qkv);
  }

  /**
   * Between row-major activations and head-major blocks. rows [B, T, parts, H, D] (from rowsOff)
   * and heads [parts, B, H, T, D]; part 0 (q) is multiplied by {@code qScale}. Forward
   * ({@code toRows} false) writes heads; backward ({@code toRows} true) writes rows.
   */
  private static void moveHeads(float[] rows, int rowsOff, float[] heads, int b, int t, int nHead, int d,
                                int parts, float qScale, boolean toRows) {
    int c = nHead * d;
    int headSize = b * nHead * t * d;
    Parallel.forRange(b, (long) b * t * parts * c, (from, to) -> {
      for (int bi = from; bi < to; bi++) {
        for (int ti = 0; ti < t; ti++) {
          for (int part = 0; part < parts; part++) {
            float f = part == 0 ? qScale : 1f;
            for (int h = 0; h < nHead; h++) {
              int r = rowsOff + ((bi * t + ti) * parts + part) * c + h * d;
              int hd = part * headSize + ((bi * nHead + h) * t + ti) * d;
              if (toRows) {
                for (int e = 0; e < d; e++) rows[r + e] = f * heads[hd + e];
              } else {
                for (int e = 0; e < d; e++) heads[hd + e] = f * rows[r + e];
              }
            }
          }
        }
      }
    });
  }

  /** yh [B, H, T, D] -> y [B, T, H, D]. */
  private static void moveRows(float[] yh, float[] y, int b, int t, int nHead, int d) {
    moveHeads(y, 0, yh, b, t, nHead, d, 1, 1f, true);
  }
}
