package org.jlora.engine.kernels;

import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Moves between row-major activations and head-major blocks, scalar reference.
 *
 * <p>Rows are {@code [B, T, Hx, D]}, or {@code [B, T, P, Hx, D]} when P projections share a row
 * (GPT-2's fused qkv, P = 3), of which one {@code part} is moved. Heads are {@code [B, H, T, D]},
 * H a multiple of Hx: with grouped-query attention query head h reads key/value head
 * {@code h / (H/Hx)}, so going back each row head sums its H/Hx copies (the key/value gradient).
 * The arithmetic is autograd's {@code GqaAttentionOps.toHeads/fromHeads}: a product by the scale
 * going in, the copies added in order from zero and then scaled going out.
 */
public final class HeadsScalar {
  private HeadsScalar() {}

  /** {@code heads[b, h, t] = scale · x[b, t, (part,) h / (H/Hx)]}. */
  // x: [B, T, Hx, D] or [B, T, P, Hx, D] -> heads: [B, H, T, D]
  public static void toHeads(Tensor x, int part, float scale, Tensor heads) {
    Geometry g = Geometry.of("toHeads", x, part, heads);
    float[] xs = x.data(), hs = heads.data();
    for (int m = 0; m < g.b * g.h; m++) {
      for (int ti = 0; ti < g.t; ti++) {
        int src = x.offset() + g.rowAt(m / g.h, ti, (m % g.h) / g.group);
        int dst = heads.offset() + (m * g.t + ti) * g.d;
        for (int e = 0; e < g.d; e++) hs[dst + e] = scale * xs[src + e];
      }
    }
  }

  /** {@code x[b, t, (part,) xh] = scale · sum_r heads[b, xh·(H/Hx) + r, t]}, written (other parts untouched). */
  // heads: [B, H, T, D] -> x: [B, T, Hx, D] or [B, T, P, Hx, D]
  public static void fromHeads(Tensor heads, int part, float scale, Tensor x) {
    Geometry g = Geometry.of("fromHeads", x, part, heads);
    float[] xs = x.data(), hs = heads.data();
    for (int bt = 0; bt < g.b * g.t; bt++) {
      int bi = bt / g.t, ti = bt % g.t;
      for (int xh = 0; xh < g.hx; xh++) {
        int dst = x.offset() + g.rowAt(bi, ti, xh);
        for (int e = 0; e < g.d; e++) {
          float sum = 0f;
          for (int r = 0; r < g.group; r++) sum += hs[heads.offset() + g.headRowAt(bi, xh * g.group + r, ti) + e];
          xs[dst + e] = scale == 1f ? sum : sum * scale;
        }
      }
    }
  }

  /** The sizes of one move and where its rows lie; checks the shapes once. */
  record Geometry(int b, int t, int parts, int part, int hx, int h, int d, int group) {
    static Geometry of(String op, Tensor x, int part, Tensor heads) {
      int[] xs = x.shape();
      int[] hs = heads.shape();
      boolean fused = xs.length == 5;
      int parts = fused ? xs[2] : 1;
      int hx = fused ? xs[3] : xs.length == 4 ? xs[2] : -1;
      boolean ok = (xs.length == 4 || fused) && hs.length == 4 && part >= 0 && part < parts
          && hs[0] == xs[0] && hs[2] == xs[1] && hs[3] == xs[xs.length - 1] && hx >= 1 && hs[1] % hx == 0;
      if (!ok) {
        throw new ShapeException(op + ": rows " + Shapes.str(xs) + " (part " + part + ") and heads " + Shapes.str(hs)
            + " must be [B, T, Hx, D] or [B, T, P, Hx, D] and [B, H, T, D] with H a multiple of Hx");
      }
      return new Geometry(xs[0], xs[1], parts, part, hx, hs[1], hs[3], hs[1] / hx);
    }

    /** Offset of row head xh at (batch bi, position ti), in this part. */
    int rowAt(int bi, int ti, int xh) {
      return (((bi * t + ti) * parts + part) * hx + xh) * d;
    }

    /** Offset of head hi's row at (batch bi, position ti). */
    int headRowAt(int bi, int hi, int ti) {
      return ((bi * h + hi) * t + ti) * d;
    }
  }
}
