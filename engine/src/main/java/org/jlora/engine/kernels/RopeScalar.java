package org.jlora.engine.kernels;

import org.jlora.engine.RopeLayout;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Rotary position embedding, scalar reference. Each pair (a, b) of a head's features (which
 * pairs: {@link RopeLayout}) at position p turns by its angle, read from the cos/sin tables
 * ({@link org.jlora.engine.RopeTable}):
 *
 * <pre>
 *   a' = a·cos - b·sin
 *   b' = a·sin + b·cos
 * </pre>
 *
 * A rotation is orthogonal, so backward turns the gradient back by the same angle (sin negated).
 * The arithmetic is autograd's {@code RopeOps.rotate}, expression for expression.
 */
public final class RopeScalar {
  private RopeScalar() {}

  /** Rotates x by +angle; y may be x itself (each pair is read before it is written). */
  // x: [B, T, H, D], cos, sin: [T, D/2] -> y: [B, T, H, D]
  public static void forward(Tensor x, Tensor cos, Tensor sin, RopeLayout layout, Tensor y) {
    check("ropeForward", x, cos, sin, y);
    rotate(x, cos, sin, layout, 1f, y);
  }

  /** The gradient turned back by -angle; dx may be dy itself. */
  // dy: [B, T, H, D], cos, sin: [T, D/2] -> dx: [B, T, H, D]
  public static void backward(Tensor dy, Tensor cos, Tensor sin, RopeLayout layout, Tensor dx) {
    check("ropeBackward", dy, cos, sin, dx);
    rotate(dy, cos, sin, layout, -1f, dx);
  }

  private static void rotate(Tensor src, Tensor cos, Tensor sin, RopeLayout layout, float sign, Tensor dst) {
    int b = src.dim(0), t = src.dim(1), h = src.dim(2), d = src.dim(3);
    int half = d / 2;
    float[] x = src.data(), y = dst.data(), cs = cos.data(), sn = sin.data();
    int xo = src.offset(), yo = dst.offset(), co = cos.offset(), so = sin.offset();
    for (int bt = 0; bt < b * t; bt++) {
      int p = bt % t;
      for (int hi = 0; hi < h; hi++) {
        int row = (bt * h + hi) * d;
        for (int i = 0; i < half; i++) {
          float c = cs[co + p * half + i];
          float s = sign * sn[so + p * half + i];
          int ia = row + layout.first(i, d);
          int ib = row + layout.second(i, d);
          float xa = x[xo + ia];
          float xb = x[xo + ib];
          y[yo + ia] = xa * c - xb * s;
          y[yo + ib] = xa * s + xb * c;
        }
      }
    }
  }

  /** x and y [B, T, H, D] with D even, cos and sin [T, D/2]. */
  static void check(String op, Tensor x, Tensor cos, Tensor sin, Tensor y) {
    int[] s = x.shape();
    boolean ok = s.length == 4 && s[3] % 2 == 0 && x.sameShape(y)
        && cos.rank() == 2 && cos.sameShape(sin) && cos.dim(0) == s[1] && cos.dim(1) == s[3] / 2;
    if (!ok) {
      throw new ShapeException(op + ": x " + Shapes.str(s) + ", out " + Shapes.str(y.shape()) + ", cos "
          + Shapes.str(cos.shape()) + ", sin " + Shapes.str(sin.shape())
          + " must be [B, T, H, D] (D even) twice and [T, D/2] twice");
    }
  }
}
