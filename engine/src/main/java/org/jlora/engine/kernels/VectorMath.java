package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * exp, log, tanh and erf lanewise, built from +, ·, / and bit operations only.
 *
 * <p>tanh and erf come in two halves, an exp and a combiner, which callers run in separate loops
 * over a block: an exp inlined into a bigger loop body pushed C2 past its inlining node budget,
 * and the vectors it could not inline were boxed (measured: tanh at 5-6 ns and 36 bytes
 * allocated per element, against under 1 ns and nothing for a loop holding one exp).
 *
 * <p>Why not {@code lanewise(VectorOperators.EXP)}: the JDK computes it with SVML once the JIT
 * has compiled the loop but with {@code Math.exp} per lane before, and the two differ in the
 * last bit for about 1% of inputs (measured: 37 of 4,096 tanh lanes changed when C2 took over).
 * A kernel's result would then depend on when it was compiled, so two runs with the same seed
 * could drift apart. Every operation used here rounds the same way in every tier. The
 * approximations are Cephes' (expf, logf, tanhf), within 2 ulps of {@code Math}'s, with
 * subnormals, ±Inf and NaN handled as {@code Math} does.
 */
final class VectorMath {
  private VectorMath() {}

  /** The kernels' one species; a constant, so the JIT can intrinsify every broadcast below. */
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;

  private static final float LOG2E = 1.44269504088896341f;
  /** ln 2 split in two: LN2_HI has few bits, so n·LN2_HI is exact for |n| < 2^8. */
  private static final float LN2_HI = 0.693359375f;
  private static final float LN2_LO = -2.12194440e-4f;
  /** Adding then subtracting 1.5·2^23 rounds a float to the nearest integer. */
  private static final float ROUND_MAGIC = 12582912f;
  /** exp saturates outside [EXP_MIN, EXP_MAX]: to 0 below (true value under 2^-150), to Inf above. */
  private static final float EXP_MIN = -110f;
  private static final float EXP_MAX = 89f;

  /** e^x: x = n·ln2 + r with |r| <= ln2/2, e^r by Cephes' degree-7 polynomial, times 2^n. */
  static FloatVector exp(FloatVector x) {
    FloatVector xc = x.max(EXP_MIN).min(EXP_MAX);          // NaN stays NaN through max/min
    FloatVector n = xc.mul(LOG2E).add(ROUND_MAGIC).sub(ROUND_MAGIC);
    FloatVector r = xc.sub(n.mul(LN2_HI)).sub(n.mul(LN2_LO));
    FloatVector p = r.mul(1.9875691500e-4f).add(1.3981999507e-3f).mul(r).add(8.3334519073e-3f)
        .mul(r).add(4.1665795894e-2f).mul(r).add(1.6666665459e-1f).mul(r).add(5.0000001201e-1f)
        .mul(r.mul(r)).add(r).add(1f);
    // 2^n as two factors 2^(n/2)·2^(n - n/2), each a normal float for n in [-159, 128], so the
    // final product rounds once: into the subnormals, or up to Inf
    IntVector ni = (IntVector) n.convert(VectorOperators.F2I, 0);
    IntVector half = ni.lanewise(VectorOperators.ASHR, 1);
    FloatVector pow2Half = (FloatVector) half.add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    FloatVector pow2Rest = (FloatVector) ni.sub(half).add(127).lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
    return p.mul(pow2Half).mul(pow2Rest);
  }

  private static final float SQRT_HALF = 0.707106781186547524f;

  /** ln x: x = m·2^e with m in [sqrt(1/2), sqrt 2), ln m by Cephes' degree-9 polynomial in m - 1. */
  static FloatVector log(FloatVector x) {
    // subnormals: scale by 2^23 first so the exponent field is meaningful
    VectorMask<Float> tiny = x.lt(Float.MIN_NORMAL);
    FloatVector xs = x.blend(x.mul(8388608f), tiny);
    IntVector bits = (IntVector) xs.reinterpretAsInts();
    FloatVector fe = (FloatVector) bits.lanewise(VectorOperators.LSHR, 23).sub(126).convert(VectorOperators.I2F, 0);
    FloatVector m = (FloatVector) bits.and(~0x7f800000).or(0x3f000000).reinterpretAsFloats(); // [0.5, 1)
    VectorMask<Float> low = m.lt(SQRT_HALF);
    fe = fe.sub(FloatVector.zero(SPECIES).blend(23f, tiny)).sub(FloatVector.zero(SPECIES).blend(1f, low));
    FloatVector t = m.blend(m.add(m), low).sub(1f);                     // m - 1, in [-0.29, 0.41)
    FloatVector z = t.mul(t);
    FloatVector y = t.mul(7.0376836292e-2f).add(-1.1514610310e-1f).mul(t).add(1.1676998740e-1f)
        .mul(t).add(-1.2420140846e-1f).mul(t).add(1.4249322787e-1f).mul(t).add(-1.6668057665e-1f)
        .mul(t).add(2.0000714765e-1f).mul(t).add(-2.4999993993e-1f).mul(t).add(3.3333331174e-1f)
        .mul(t).mul(z);
    y = y.add(fe.mul(LN2_LO)).sub(z.mul(0.5f));
    FloatVector result = t.add(y).add(fe.mul(LN2_HI));
    return result
        .blend(Float.NEGATIVE_INFINITY, x.eq(0f))
        .blend(Float.NaN, x.lt(0f))
        .blend(x, x.eq(Float.POSITIVE_INFINITY).or(x.test(VectorOperators.IS_NAN)));
  }

  /**
   * tanh x, given {@code e = exp(2|x|)} (computed by the caller in its own loop, see the class
   * note): an odd polynomial below |x| = 0.625 (Cephes tanhf), else {@code 1 - 2/(e + 1)}.
   */
  static FloatVector tanhFromExp(FloatVector x, FloatVector exp2AbsX) {
    FloatVector ax = x.abs();
    FloatVector s = x.mul(x);
    FloatVector small = s.mul(-5.70498872745e-3f).add(2.06390887954e-2f).mul(s).add(-5.37397155531e-2f)
        .mul(s).add(1.33314422036e-1f).mul(s).add(-3.33332819422e-1f).mul(s).mul(x).add(x);
    FloatVector large = FloatVector.broadcast(SPECIES, 1f)
        .sub(FloatVector.broadcast(SPECIES, 2f).div(exp2AbsX.add(1f)));
    large = large.blend(large.neg(), x.lt(0f));
    return large.blend(small, ax.lt(0.625f));                           // NaN takes the large branch: NaN
  }

  /** {@code exp(2|x|)}, the input {@link #tanhFromExp} needs. */
  static FloatVector tanhExpPart(FloatVector x) {
    FloatVector ax = x.abs();
    return exp(ax.add(ax));
  }

  /**
   * erf z by Abramowitz-Stegun 7.1.26, given {@code e = exp(-z^2)}: the same polynomial and
   * constants as {@link UnaryMath#erf(float)}, evaluated lanewise.
   */
  static FloatVector erfFromExp(FloatVector z, FloatVector expMinusZ2) {
    FloatVector az = z.abs();
    FloatVector t = FloatVector.broadcast(SPECIES, 1f).div(az.mul(UnaryMath.ERF_P).add(1f));
    FloatVector poly = t.mul(UnaryMath.ERF_A5).add(UnaryMath.ERF_A4).mul(t).add(UnaryMath.ERF_A3)
        .mul(t).add(UnaryMath.ERF_A2).mul(t).add(UnaryMath.ERF_A1).mul(t);
    FloatVector r = poly.mul(expMinusZ2).neg().add(1f);
    return r.blend(r.neg(), z.lt(0f));
  }
}
