package org.jlora.tornado.kernels;

import org.jlora.engine.BinaryOp;
import org.jlora.engine.UnaryOp;
import uk.ac.manchester.tornado.api.math.TornadoMath;

/**
 * The engine's {@link BinaryOp} and {@link UnaryOp} as int codes (their ordinals) with the math
 * written so that TornadoVM can compile it into a kernel: no enums or switch on objects, NaN
 * handled explicitly (OpenCL's fmax/fmin would drop it where Java's keeps it), and the same
 * Abramowitz-Stegun erf the CPU kernels use, so every backend shares one approximation.
 */
public final class OpCodes {
  private OpCodes() {}

  public static final int ADD = BinaryOp.ADD.ordinal(), SUB = BinaryOp.SUB.ordinal(),
      MUL = BinaryOp.MUL.ordinal(), DIV = BinaryOp.DIV.ordinal(), MAX = BinaryOp.MAX.ordinal();

  public static final int NEG = UnaryOp.NEG.ordinal(), EXP = UnaryOp.EXP.ordinal(),
      LOG = UnaryOp.LOG.ordinal(), TANH = UnaryOp.TANH.ordinal(), RELU = UnaryOp.RELU.ordinal(),
      SIGMOID = UnaryOp.SIGMOID.ordinal(), GELU_TANH = UnaryOp.GELU_TANH.ordinal(),
      GELU_ERF = UnaryOp.GELU_ERF.ordinal(), SQRT = UnaryOp.SQRT.ordinal(),
      RECIPROCAL = UnaryOp.RECIPROCAL.ordinal(), SQUARE = UnaryOp.SQUARE.ordinal();

  private static final float GELU_TANH_SCALE = 0.7978845608028654f;  // sqrt(2/pi)
  private static final float GELU_TANH_CUBIC = 0.044715f;
  private static final float INV_SQRT2 = 0.7071067811865476f;
  private static final float INV_SQRT_2PI = 0.3989422804014327f;

  /** {@code a op b}, as {@link BinaryOp#apply}. */
  public static float binary(int op, float a, float b) {
    if (op == ADD) return a + b;
    if (op == SUB) return a - b;
    if (op == MUL) return a * b;
    if (op == DIV) return a / b;
    if (a != a || b != b) return a + b;                 // MAX, MIN: NaN in, NaN out
    if (op == MAX) return a > b ? a : b;
    return a < b ? a : b;                               // MIN
  }

  /** {@code f(x)}, as the engine's scalar reference defines it. */
  public static float unary(int op, float x) {
    if (op == NEG) return -x;
    if (op == EXP) return TornadoMath.exp(x);
    if (op == LOG) return TornadoMath.log(x);
    if (op == TANH) return TornadoMath.tanh(x);
    if (op == RELU) return x > 0f || x != x ? x : 0f;  // keeps NaN, as PyTorch
    if (op == SIGMOID) return 1f / (1f + TornadoMath.exp(-x));
    if (op == GELU_TANH) {
      float u = GELU_TANH_SCALE * (x + GELU_TANH_CUBIC * x * x * x);
      return 0.5f * x * (1f + TornadoMath.tanh(u));
    }
    if (op == GELU_ERF) return 0.5f * x * (1f + erf(x * INV_SQRT2));
    if (op == SQRT) return TornadoMath.sqrt(x);
    if (op == RECIPROCAL) return 1f / x;
    if (op == SQUARE) return x * x;
    return x < 0f ? -x : x + 0f;                        // ABS (+0f turns -0 into +0)
  }

  /** {@code f'(x)} given {@code x} and {@code y = f(x)}. */
  public static float derivative(int op, float x, float y) {
    if (op == NEG) return -1f;
    if (op == EXP) return y;
    if (op == LOG) return 1f / x;
    if (op == TANH) return 1f - y * y;
    if (op == RELU) return x > 0f ? 1f : 0f;
    if (op == SIGMOID) return y * (1f - y);
    if (op == GELU_TANH) {
      float u = GELU_TANH_SCALE * (x + GELU_TANH_CUBIC * x * x * x);
      float th = TornadoMath.tanh(u);
      float du = GELU_TANH_SCALE * (1f + 3f * GELU_TANH_CUBIC * x * x);
      return 0.5f * (1f + th) + 0.5f * x * (1f - th * th) * du;
    }
    if (op == GELU_ERF) {
      float cdf = 0.5f * (1f + erf(x * INV_SQRT2));
      float pdf = INV_SQRT_2PI * TornadoMath.exp(-0.5f * x * x);
      return cdf + x * pdf;
    }
    if (op == SQRT) return 0.5f / y;
    if (op == RECIPROCAL) return -y * y;
    if (op == SQUARE) return 2f * x;
    return x > 0f ? 1f : (x < 0f ? -1f : x);            // ABS: sign, 0 at 0, NaN stays NaN
  }

  /** Abramowitz-Stegun 7.1.26, absolute error below 1.5e-7 (the engine's UnaryMath.erf). */
  public static float erf(float x) {
    float ax = x < 0f ? -x : x;
    float t = 1f / (1f + 0.3275911f * ax);
    float poly = t * (0.254829592f + t * (-0.284496736f + t * (1.421413741f
        + t * (-1.453152027f + t * 1.061405429f))));
    float r = 1f - poly * TornadoMath.exp(-ax * ax);
    return x < 0f ? -r : r;
  }
}
