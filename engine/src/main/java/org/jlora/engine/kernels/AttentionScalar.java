package org.jlora.engine.kernels;

import org.jlora.engine.RopeLayout;

/**
 * The attention family's scalar reference: plain loops, the definition {@link AttentionVector} is
 * tested against. Each concept has its own file: {@link HeadsScalar},
 * {@link CausalAttentionScalar}, {@link CachedAttentionScalar}, {@link RopeScalar}.
 */
public final class AttentionScalar extends AttentionOnHost {
  @Override
  public void toHeads(HeadsGeometry g, float scale, float[] x, int xOff, float[] heads, int hOff) {
    HeadsScalar.toHeads(g, scale, x, xOff, heads, hOff);
  }

  @Override
  public void fromHeads(HeadsGeometry g, float scale, float[] heads, int hOff, float[] x, int xOff) {
    HeadsScalar.fromHeads(g, scale, heads, hOff, x, xOff);
  }

  @Override
  public void causalForward(int bh, int group, int t, int d, float[] q, int qOff, float[] k, int kOff,
                            float[] v, int vOff, float[] y, int yOff, float[] probs, int pOff) {
    CausalAttentionScalar.forward(bh, group, t, d, q, qOff, k, kOff, v, vOff, y, yOff, probs, pOff);
  }

  @Override
  public void causalBackward(int bh, int group, int t, int d, float[] q, int qOff, float[] k, int kOff,
                             float[] v, int vOff, float[] probs, int pOff, float[] dy, int dyOff,
                             float[] dq, int dqOff, float[] dk, int dkOff, float[] dv, int dvOff) {
    CausalAttentionScalar.backward(bh, group, t, d, q, qOff, k, kOff, v, vOff, probs, pOff, dy, dyOff,
        dq, dqOff, dk, dkOff, dv, dvOff);
  }

  @Override
  public void cachedAttention(int bh, int group, int t, int d, int tMax, int pos, float[] q, int qOff,
                              float[] k, int kOff, float[] v, int vOff, float[] y, int yOff) {
    CachedAttentionScalar.forward(bh, group, t, d, tMax, pos, q, qOff, k, kOff, v, vOff, y, yOff);
  }

  @Override
  public void rope(int bt, int t, int h, int d, float[] x, int xOff, float[] cos, int cOff,
                   float[] sin, int sOff, RopeLayout layout, float sign, float[] y, int yOff) {
    RopeScalar.rotate(bt, t, h, d, x, xOff, cos, cOff, sin, sOff, layout, sign, y, yOff);
  }
}
