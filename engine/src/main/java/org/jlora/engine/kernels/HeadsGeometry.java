package org.jlora.engine.kernels;

import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * The sizes of one move between row-major activations and head-major blocks, and where its rows
 * lie. Rows are {@code [B, T, Hx, D]}, or {@code [B, T, P, Hx, D]} when P projections share a row
 * (GPT-2's fused qkv, P = 3), of which one {@code part} is moved; heads are {@code [B, H, T, D]}
 * with H a multiple of Hx ({@code group = H/Hx} query heads read one key/value head).
 */
public record HeadsGeometry(int b, int t, int parts, int part, int hx, int h, int d, int group) {

  /** The geometry of rows x and heads, or a ShapeException naming {@code op} (every backend's door calls it). */
  public static HeadsGeometry of(String op, Tensor x, int part, Tensor heads) {
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
    return new HeadsGeometry(xs[0], xs[1], parts, part, hx, hs[1], hs[3], hs[1] / hx);
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
