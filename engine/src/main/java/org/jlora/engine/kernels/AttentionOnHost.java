package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;

import org.jlora.engine.AttentionKernels;
import org.jlora.engine.RopeLayout;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * The tensor door of the host attention kernels: checks the shapes (which, unlike the other
 * families, carry the sizes: [B, T, H, D] and [B, H, T, D]) and that the tensors are host f32,
 * then hands arrays and offsets to the implementation ({@link AttentionVector},
 * {@link AttentionScalar}).
 */
public abstract class AttentionOnHost implements AttentionKernels {
  protected AttentionOnHost() {}

  @Override
  public final void toHeads(Tensor x, int part, float scale, Tensor heads) {
    HeadsGeometry g = HeadsGeometry.of("toHeads", x, part, heads);
    toHeads(g, scale, f32("toHeads", "x", x), x.offset(), f32("toHeads", "heads", heads), heads.offset());
  }

  @Override
  public final void fromHeads(Tensor heads, int part, float scale, Tensor x) {
    HeadsGeometry g = HeadsGeometry.of("fromHeads", x, part, heads);
    fromHeads(g, scale, f32("fromHeads", "heads", heads), heads.offset(), f32("fromHeads", "x", x), x.offset());
  }

  @Override
  public final void causalForward(Tensor q, Tensor k, Tensor v, Tensor y, Tensor probs) {
    String op = "causalForward";
    AttentionKernels.checkCausalShapes(op, q, k, v, probs);
    Shapes.requireSame(op + " (y)", q, y);
    causalForward(q.dim(0) * q.dim(1), q.dim(1) / k.dim(1), q.dim(2), q.dim(3),
        f32(op, "q", q), q.offset(), f32(op, "k", k), k.offset(), f32(op, "v", v), v.offset(),
        f32(op, "y", y), y.offset(), f32(op, "probs", probs), probs.offset());
  }

  @Override
  public final void causalBackward(Tensor q, Tensor k, Tensor v, Tensor probs, Tensor dy,
                                   Tensor dq, Tensor dk, Tensor dv) {
    String op = "causalBackward";
    AttentionKernels.checkCausalShapes(op, q, k, v, probs);
    Shapes.requireSame(op + " (dy)", q, dy);
    Shapes.requireSame(op + " (dq)", q, dq);
    Shapes.requireSame(op + " (dk, one per query head)", q, dk);
    Shapes.requireSame(op + " (dv, one per query head)", q, dv);
    causalBackward(q.dim(0) * q.dim(1), q.dim(1) / k.dim(1), q.dim(2), q.dim(3),
        f32(op, "q", q), q.offset(), f32(op, "k", k), k.offset(), f32(op, "v", v), v.offset(),
        f32(op, "probs", probs), probs.offset(), f32(op, "dy", dy), dy.offset(),
        f32(op, "dq", dq), dq.offset(), f32(op, "dk", dk), dk.offset(), f32(op, "dv", dv), dv.offset());
  }

  @Override
  public final void ropeForward(Tensor x, Tensor cos, Tensor sin, RopeLayout layout, Tensor y) {
    rope("ropeForward", x, cos, sin, layout, 1f, y);
  }

  @Override
  public final void ropeBackward(Tensor dy, Tensor cos, Tensor sin, RopeLayout layout, Tensor dx) {
    rope("ropeBackward", dy, cos, sin, layout, -1f, dx);
  }

  @Override
  public final void cacheWrite(Tensor x, int part, int[] position, Tensor cache) {
    String op = "cacheWrite";
    int[] cs = AttentionKernels.checkCacheWriteShapes(op, x, part, cache);
    int pos = AttentionKernels.checkPosition(op, position, x.dim(1), cs[2]);
    float[] xs = f32(op, "x", x), c = f32(op, "cache", cache);
    // a copy: no arithmetic, so no rounding for a vector kernel and its scalar twin to differ in
    int b = cs[0], hkv = cs[1], tMax = cs[2], d = cs[3], t = x.dim(1), parts = x.rank() == 5 ? x.dim(2) : 1;
    for (int bi = 0; bi < b; bi++) {
      for (int i = 0; i < t; i++) {
        for (int h = 0; h < hkv; h++) {
          System.arraycopy(xs, x.offset() + (((bi * t + i) * parts + part) * hkv + h) * d,
              c, cache.offset() + ((bi * hkv + h) * tMax + pos + i) * d, d);
        }
      }
    }
  }

  @Override
  public final void cachedAttention(Tensor q, Tensor kCache, Tensor vCache, int[] position, Tensor y) {
    String op = "cachedAttention";
    AttentionKernels.checkCachedShapes(op, q, kCache, vCache, y);
    int tMax = kCache.dim(2);
    int pos = AttentionKernels.checkPosition(op, position, q.dim(2), tMax);
    cachedAttention(q.dim(0) * q.dim(1), q.dim(1) / kCache.dim(1), q.dim(2), q.dim(3), tMax, pos,
        f32(op, "q", q), q.offset(), f32(op, "kCache", kCache), kCache.offset(), f32(op, "vCache", vCache),
        vCache.offset(), f32(op, "y", y), y.offset());
  }

  @Override
  public final void ropeAt(Tensor x, Tensor cos, Tensor sin, int[] position, RopeLayout layout, Tensor y) {
    String op = "ropeAt";
    int tMax = AttentionKernels.checkRopeAtShapes(op, x, cos, sin, y);
    int[] s = x.shape();
    int pos = AttentionKernels.checkPosition(op, position, s[1], tMax);
    // rows pos.. of the tables are the [T, D/2] tables of positions pos..pos+T-1: the rope kernels
    int half = s[3] / 2;
    rope(s[0] * s[1], s[1], s[2], s[3], f32(op, "x", x), x.offset(), f32(op, "cos", cos), cos.offset() + pos * half,
        f32(op, "sin", sin), sin.offset() + pos * half, layout, 1f, f32(op, "out", y), y.offset());
  }

  private void rope(String op, Tensor x, Tensor cos, Tensor sin, RopeLayout layout, float sign, Tensor y) {
    AttentionKernels.checkRopeShapes(op, x, cos, sin, y);
    int[] s = x.shape();
    rope(s[0] * s[1], s[1], s[2], s[3], f32(op, "x", x), x.offset(), f32(op, "cos", cos), cos.offset(),
        f32(op, "sin", sin), sin.offset(), layout, sign, f32(op, "out", y), y.offset());
  }

  // x: [B, T, (P,) Hx, D] -> heads: [B, H, T, D]
  public abstract void toHeads(HeadsGeometry g, float scale, float[] x, int xOff, float[] heads, int hOff);

  // heads: [B, H, T, D] -> x: [B, T, (P,) Hx, D]
  public abstract void fromHeads(HeadsGeometry g, float scale, float[] heads, int hOff, float[] x, int xOff);

  /** {@link AttentionKernels#causalForward} on arrays: {@code bh = B·H} query heads, {@code group = H/Hkv}. */
  // q, y: [bh, T, D], k, v: [bh / group, T, D] -> probs: [bh, packedSize(T)]
  public abstract void causalForward(int bh, int group, int t, int d, float[] q, int qOff, float[] k, int kOff,
                                     float[] v, int vOff, float[] y, int yOff, float[] probs, int pOff);

  // q, dy, dq, dk, dv: [bh, T, D], k, v: [bh / group, T, D], probs: [bh, packedSize(T)]
  public abstract void causalBackward(int bh, int group, int t, int d, float[] q, int qOff, float[] k, int kOff,
                                      float[] v, int vOff, float[] probs, int pOff, float[] dy, int dyOff,
                                      float[] dq, int dqOff, float[] dk, int dkOff, float[] dv, int dvOff);

  /** {@link AttentionKernels#cachedAttention} on arrays: {@code bh = B·H} query heads, {@code group = H/Hkv}. */
  // q, y: [bh, T, D], k, v: [bh / group, Tmax, D] rows 0..pos+T-1 filled
  public abstract void cachedAttention(int bh, int group, int t, int d, int tMax, int pos, float[] q, int qOff,
                                       float[] k, int kOff, float[] v, int vOff, float[] y, int yOff);

  /** RoPE on arrays: {@code bt = B·T} rows of H heads, turned by {@code sign ·} the angle (+1 forward, -1 backward). */
  // x: [bt, H, D], cos, sin: [T, D/2] -> y: [bt, H, D]
  public abstract void rope(int bt, int t, int h, int d, float[] x, int xOff, float[] cos, int cOff,
                            float[] sin, int sOff, RopeLayout layout, float sign, float[] y, int yOff);
}
