package org.jlora.engine.kernels;

import org.jlora.engine.UnaryOp;

/**
 * The scalar definition of every {@link UnaryOp} and of its derivative: the reference both
 * backends are tested against. Transcendentals go through {@code Math} in double and round once,
 * so the reference is as accurate as a float can be (erf excepted, see {@link #erf(float)}).
 */
final class UnaryMath {
  private UnaryMath() {}

  /** sqrt(2/pi), the scale inside GPT-2's tanh GELU. */
  static final float GELU_TANH_SCALE = 0.7978845608028654f;
  /** The cubic coefficient inside GPT-2's tanh GELU. */
  static final float GELU_TANH_CUBIC = 0.044715f;
  /** 1/sqrt(2): erf's argument in the exact GELU. */
  static final float INV_SQRT2 = 0.7071067811865476f;
  /** 1/sqrt(2 pi): the normal density's constant, in the exact GELU's derivative. */
  static final float INV_SQRT_2PI = 0.3989422804014327f;

  // Abramowitz & Stegun 7.1.26: erf(x) = 1 - (a1 t + ... + a5 t^5) exp(-x^2), t = 1/(1 + p x),
  // for x >= 0 (erf is odd). Absolute error at most 1.5e-7, i.e. about one float ulp of 1.
  static final float ERF_P = 0.3275911f;
  static final float ERF_A1 = 0.254829592f;
  static final float ERF_A2 = -0.284496736f;
  static final float ERF_A3 = 1.421413741f;
  static final float ERF_A4 = -1.453152027f;
  static final float ERF_A5 = 1.061405429f;

  /**
   * The error function, Abramowitz-Stegun 7.1.26 (absolute error below 1.5e-7). The vector
   * kernels evaluate the very same polynomial lanewise ({@link VectorMath#erf}), so both
   * backends share one approximation rather than two.
   */
  static float erf(float x) {
    if (x != x) return x;
    float ax = Math.abs(x);
    float t = 1f / (1f + ERF_P * ax);
    float poly = t * (ERF_A1 + t * (ERF_A2 + t * (ERF_A3 + t * (ERF_A4 + t * ERF_A5))));
    float r = 1f - poly * (float) Math.exp(-ax * ax);
    return Math.copySign(r, x);
  }

  /** {@code f(x)}. */
  static float apply(UnaryOp op, float x) {
    return switch (op) {
      case NEG -> -x;
      case EXP -> (float) Math.exp(x);
      case LOG -> (float) Math.log(x);
      case TANH -> (float) Math.tanh(x);
      case RELU -> Math.max(x, 0f); // Math.max keeps NaN, as PyTorch's relu does
      case SIGMOID -> (float) (1.0 / (1.0 + Math.exp(-x)));
      case GELU_TANH -> {
        float u = GELU_TANH_SCALE * (x + GELU_TANH_CUBIC * x * x * x);
        yield 0.5f * x * (1f + (float) Math.tanh(u));
      }
      case GELU_ERF -> 0.5f * x * (1f + erf(x * INV_SQRT2));
      case SQRT -> (float) Math.sqrt(x);
      case RECIPROCAL -> 1f / x;
      case SQUARE -> x * x;
      case ABS -> Math.abs(x);
    };
  }

  /** {@code f'(x)}, given {@code x} and {@code y = f(x)} (some rules are cheaper from y). */
  static float derivative(UnaryOp op, float x, float y) {
    return switch (op) {
      case NEG -> -1f;
      case EXP -> y;                          // d/dx e^x = e^x
      case LOG -> 1f / x;
      case TANH -> 1f - y * y;
      case RELU -> x > 0f ? 1f : 0f;          // 0 at x = 0, as PyTorch
      case SIGMOID -> y * (1f - y);
      case GELU_TANH -> {
        // d/dx 0.5 x (1 + tanh u) = 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u'
        float u = GELU_TANH_SCALE * (x + GELU_TANH_CUBIC * x * x * x);
        float th = (float) Math.tanh(u);
        float du = GELU_TANH_SCALE * (1f + 3f * GELU_TANH_CUBIC * x * x);
        yield 0.5f * (1f + th) + 0.5f * x * (1f - th * th) * du;
      }
      case GELU_ERF -> {
        // d/dx x Phi(x) = Phi(x) + x phi(x)
        float cdf = 0.5f * (1f + erf(x * INV_SQRT2));
        float pdf = INV_SQRT_2PI * (float) Math.exp(-0.5f * x * x);
        yield cdf + x * pdf;
      }
      case SQRT -> 0.5f / y;
      case RECIPROCAL -> -y * y;              // d/dx 1/x = -1/x^2
      case SQUARE -> 2f * x;
      case ABS -> Math.signum(x);             // 0 at x = 0, as PyTorch
    };
  }
}
