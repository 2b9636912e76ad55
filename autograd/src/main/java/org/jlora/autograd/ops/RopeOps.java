package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Parallel;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Rotary position embedding (RoPE) of queries or keys x [B, T, H, D] at positions
 * {@code start .. start+T-1}. Each pair (a, b) of a head's features (which pairs: {@link RopeLayout})
 * turns by the angle {@code p·f_i}, {@code f_i = theta^(-2i/D)}:
 *
 * <pre>
 *   a' = a·cos - b·sin
 *   b' = a·sin + b·cos
 * </pre>
 *
 * A rotation is orthogonal, so the gradient turns back by the same angle (the transposed matrix):
 * {@code da = ga·cos + gb·sin}, {@code db = -ga·sin + gb·cos}.
 *
 * <p>The angles follow Hugging Face's arithmetic (inverse frequencies and {@code p·f} in float32,
 * then cos and sin) so logits match transformers' closely.
 */
public final class RopeOps {
  private RopeOps() {}

  /** x [B, T, H, D] -> the rotated copy [B, T, H, D]. */
  public static Variable rope(Variable x, int startPos, float theta, RopeLayout layout) {
    Tensor xv = x.value();
    int[] s = xv.shape();
    if (s.length != 4 || s[3] % 2 != 0) {
      throw new ShapeException("rope: x " + Shapes.str(s) + " must be [B, T, H, D] with D even");
    }
    if (startPos < 0) throw new IllegalArgumentException("rope: negative start position " + startPos);
    int t = s[1];
    int d = s[3];
    float[][] cs = table(startPos, t, d, theta);   // cos, sin: [T, D/2]
    Tensor y = Tensor.zeros(s);
    rotate(xv.data(), xv.offset(), y.data(), s, cs, layout, false);
    return Variable.fromOp("rope", y, g -> {
      Tensor dx = Tensor.zeros(s);
      rotate(g.data(), g.offset(), dx.data(), s, cs, layout, true);
      x.accumulateOwnedGrad(dx);
    }, x);
  }

  /** cos and sin of {@code p·f_i} for positions start..start+t-1 and pairs i < d/2: two [t, d/2] tables. */
  static float[][] table(int start, int t, int d, float theta) {
    int half = d / 2;
    float[] cos = new float[t * half];
    float[] sin = new float[t * half];
    for (int i = 0; i < half; i++) {
      // HF: inv_freq = 1 / theta^(arange(0, D, 2) / D), in float32
      float invFreq = (float) (1.0 / Math.pow(theta, (float) (2 * i) / d));
      for (int p = 0; p < t; p++) {
        float angle = (float) (start + p) * invFreq;
        cos[p * half + i] = (float) Math.cos(angle);
        sin[p * half + i] = (float) Math.sin(angle);
      }
    }
    return new float[][] {cos, sin};
  }

  /** src [B, T, H, D] -> dst rotated by +angle, or by -angle when {@code inverse} (the backward). */
  private static void rotate(float[] src, int srcOff, float[] dst, int[] s, float[][] cs, RopeLayout layout,
                             boolean inverse) {
    int b = s[0];
    int t = s[1];
    int h = s[2];
    int d = s[3];
    int half = d / 2;
    float sign = inverse ? -1f : 1f;
    Parallel.forRange(b * t, (long) b * t * h * d * 3, (from, to) -> {
      for (int bt = from; bt < to; bt++) {
        int p = bt % t;
        for (int hi = 0; hi < h; hi++) {
          int row = (bt * h + hi) * d;
          for (int i = 0; i < half; i++) {
            float c = cs[0][p * half + i];
            float sn = sign * cs[1][p * half + i];
            int ia = row + layout.first(i, d);
            int ib = row + layout.second(i, d);
            float xa = src[srcOff + ia];
            float xb = src[srcOff + ib];
            dst[ia] = xa * c - xb * sn;
            dst[ib] = xa * sn + xb * c;
          }
        }
      }
    });
  }
}
