package org.jlora.autograd.nn;

import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;

/**
 * Multi-head causal self-attention (GPT-2's, nanoGPT's layout): one fused projection to q, k, v
 * ("c_attn", C -> 3C), heads of size D = C / H, {@code softmax(mask(q·kᵀ / sqrt(D)))·v}, and an
 * output projection ("c_proj", C -> C). Dropout on the attention weights and on the output.
 */
public class CausalSelfAttention extends Module {
  private final Child<Linear> cAttn;
  private final Child<Linear> cProj;
  private final Child<Dropout> attnDropout;
  private final Child<Dropout> residDropout;
  private final int nEmbd;
  private final int nHead;

  public CausalSelfAttention(int nEmbd, int nHead, float dropout, Rng rng) {
    if (nHead < 1 || nEmbd % nHead != 0) {
      throw new IllegalArgumentException("CausalSelfAttention: nEmbd " + nEmbd + " must divide by nHead " + nHead);
    }
    this.nEmbd = nEmbd;
    this.nHead = nHead;
    this.cAttn = registerModule("c_attn", new Linear(nEmbd, 3 * nEmbd, true, rng));
    this.cProj = registerModule("c_proj", new Linear(nEmbd, nEmbd, true, rng));
    this.attnDropout = registerModule("attn_dropout", new Dropout(dropout, rng.split()));
    this.residDropout = registerModule("resid_dropout", new Dropout(dropout, rng.split()));
  }

  public int nEmbd() { return nEmbd; }

  public int nHead() { return nHead; }

  /** x [B, T, C] -> [B, T, C]. */
  @Override
  public Variable forward(Variable x) {
    int[] s = x.shape();
    if (s.length != 3 || s[2] != nEmbd) {
      throw new ShapeException("CausalSelfAttention: input " + Shapes.str(s) + ", expected [B, T, " + nEmbd + "]");
    }
    Variable qkv = cAttn.get().forward(x);                                       // [B, T, 3C]
    Dropout drop = attnDropout.get();
    Variable y = drop.isTraining() && drop.p() > 0f
        ? withDropout(qkv, nHead, drop)                                           // [B, T, C]
        : F.causalSelfAttention(qkv, nHead);
    return residDropout.get().forward(cProj.get().forward(y));
  }

  /**
   * The same attention from elementary ops, with dropout on the attention weights (which the
   * fused op does not do): qkv [B, T, 3C] -> [B, T, C] for {@code nHead} heads. Shared by every
   * attention module that trains with attention dropout.
   */
  public static Variable withDropout(Variable qkvOut, int nHead, Dropout drop) {
    int[] s = qkvOut.shape();
    int b = s[0];
    int t = s[1];
    int c = s[2] / 3;
    int d = c / nHead;
    Variable[] qkv = F.split(qkvOut, 2, c, c, c);                                // 3 x [B, T, C]
    Variable q = heads(qkv[0], b, t, nHead, d);                                  // [B·H, T, D]
    Variable k = heads(qkv[1], b, t, nHead, d);
    Variable v = heads(qkv[2], b, t, nHead, d);
    Variable scores = F.scale(F.bmm(q, false, k, true), (float) (1.0 / Math.sqrt(d)));   // [B·H, T, T]
    Variable att = drop.forward(F.softmax(F.causalMask(scores)));
    Variable y = F.bmm(att, false, v, false);                                    // [B·H, T, D]
    return F.reshape(F.transpose(F.reshape(y, b, nHead, t, d), 1, 2), b, t, c); // [B, T, C]
  }

  /** [B, T, C] -> [B, T, H, D] -> [B, H, T, D] -> [B·H, T, D]. */
  private static Variable heads(Variable x, int b, int t, int nHead, int d) {
    return F.reshape(F.transpose(F.reshape(x, b, t, nHead, d), 1, 2), b * nHead, t, d);
  }
}
