package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.UnaryOp;

/**
 * The lanewise forward and backward loops of {@link ElementwiseVector#unary} and
 * {@link ElementwiseVector#unaryBackward}, one loop per op.
 *
 * <p>Why one loop per op rather than one loop around a {@code switch (op)}: with every op's
 * vector code in one compiled loop, C2 gave up inlining part of it and boxed the vectors
 * (measured: 12-36 bytes allocated per element, and several times slower). A loop per op, and
 * for tanh and erf an exp pass then a combining pass over each block, keep every compiled unit
 * small enough to inline whole and allocate nothing.
 */
final class UnaryVector {
  private UnaryVector() {}

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();
  /** Elements per exp/combine pass: the parallel block, so the scratch stays in L1. */
  private static final int BLOCK = ElementwiseVector.BLOCK;

  /** {@code out[i] = f(x[i])} for i in [from, to); the tail past the last whole vector is scalar. */
  static void forward(UnaryOp op, int from, int to, float[] x, int xOff, float[] out, int outOff) {
    int end = from + SPECIES.loopBound(to - from);
    switch (op) {
      case NEG -> neg(from, end, x, xOff, out, outOff);
      case EXP -> exp(from, end, x, xOff, out, outOff);
      case LOG -> log(from, end, x, xOff, out, outOff);
      case TANH -> tanh(from, end, x, xOff, out, outOff);
      case RELU -> relu(from, end, x, xOff, out, outOff);
      case SIGMOID -> sigmoid(from, end, x, xOff, out, outOff);
      case GELU_TANH -> geluTanh(from, end, x, xOff, out, outOff);
      case GELU_ERF -> geluErf(from, end, x, xOff, out, outOff);
      case SQRT -> sqrt(from, end, x, xOff, out, outOff);
      case RECIPROCAL -> reciprocal(from, end, x, xOff, out, outOff);
      case SQUARE -> square(from, end, x, xOff, out, outOff);
      case ABS -> abs(from, end, x, xOff, out, outOff);
    }
    for (int i = end; i < to; i++) out[outOff + i] = UnaryMath.apply(op, x[xOff + i]);
  }

  private static FloatVector at(float[] a, int off, int i) {
    return FloatVector.fromArray(SPECIES, a, off + i);
  }

  private static void neg(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    for (int i = from; i < end; i += L) at(x, xOff, i).neg().intoArray(out, outOff + i);
  }

  private static void exp(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    for (int i = from; i < end; i += L) VectorMath.exp(at(x, xOff, i)).intoArray(out, outOff + i);
  }

  private static void log(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    for (int i = from; i < end; i += L) VectorMath.log(at(x, xOff, i)).intoArray(out, outOff + i);
  }

  private static void tanh(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    float[] e = SCRATCH.get();
    for (int s = from; s < end; s += BLOCK) {
      int stop = Math.min(end, s + BLOCK);
      tanhExpPass(s, stop, x, xOff, false, e);
      tanhPass(s, stop, x, xOff, e, out, outOff);
    }
  }

  private static void tanhPass(int from, int end, float[] x, int xOff, float[] e, float[] out, int outOff) {
    for (int i = from; i < end; i += L) {
      VectorMath.tanhFromExp(at(x, xOff, i), at(e, -from, i)).intoArray(out, outOff + i);
    }
  }

  /** {@code e[i - from] = exp(2|u|)} with u = x, or the GELU's inner argument of x. */
  private static void tanhExpPass(int from, int end, float[] x, int xOff, boolean gelu, float[] e) {
    for (int i = from; i < end; i += L) {
      FloatVector v = at(x, xOff, i);
      VectorMath.tanhExpPart(gelu ? geluTanhArgument(v) : v).intoArray(e, i - from);
    }
  }

  /** {@code e[i - from] = exp(-x^2 / 2)}: erf's exp at z = x/sqrt 2, and the normal density's. */
  private static void gaussExpPass(int from, int end, float[] x, int xOff, float[] e) {
    for (int i = from; i < end; i += L) {
      FloatVector v = at(x, xOff, i);
      VectorMath.exp(v.mul(v).mul(-0.5f)).intoArray(e, i - from);
    }
  }

  /**
   * Per-thread room for one block of exps: the two halves of tanh and erf run as separate loops
   * (see {@link VectorMath}), the first writing here, the second reading.
   */
  private static final ThreadLocal<float[]> SCRATCH = ThreadLocal.withInitial(() -> new float[BLOCK]);

  private static void relu(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    for (int i = from; i < end; i += L) at(x, xOff, i).max(0f).intoArray(out, outOff + i);  // NaN stays NaN
  }

  private static void sigmoid(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int i = from; i < end; i += L) {
      one.div(VectorMath.exp(at(x, xOff, i).neg()).add(1f)).intoArray(out, outOff + i);
    }
  }

  private static void geluTanh(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    float[] e = SCRATCH.get();
    for (int s = from; s < end; s += BLOCK) {
      int stop = Math.min(end, s + BLOCK);
      tanhExpPass(s, stop, x, xOff, true, e);
      geluTanhPass(s, stop, x, xOff, e, out, outOff);
    }
  }

  private static void geluTanhPass(int from, int end, float[] x, int xOff, float[] e, float[] out, int outOff) {
    for (int i = from; i < end; i += L) {
      FloatVector v = at(x, xOff, i);
      FloatVector th = VectorMath.tanhFromExp(geluTanhArgument(v), at(e, -from, i));
      v.mul(0.5f).mul(th.add(1f)).intoArray(out, outOff + i);
    }
  }

  private static void geluErf(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    float[] e = SCRATCH.get();
    for (int s = from; s < end; s += BLOCK) {
      int stop = Math.min(end, s + BLOCK);
      gaussExpPass(s, stop, x, xOff, e);
      geluErfPass(s, stop, x, xOff, e, out, outOff);
    }
  }

  private static void geluErfPass(int from, int end, float[] x, int xOff, float[] e, float[] out, int outOff) {
    for (int i = from; i < end; i += L) {
      FloatVector v = at(x, xOff, i);
      FloatVector erf = VectorMath.erfFromExp(v.mul(UnaryMath.INV_SQRT2), at(e, -from, i));
      v.mul(0.5f).mul(erf.add(1f)).intoArray(out, outOff + i);
    }
  }

  private static void sqrt(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    for (int i = from; i < end; i += L) at(x, xOff, i).sqrt().intoArray(out, outOff + i);
  }

  private static void reciprocal(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int i = from; i < end; i += L) one.div(at(x, xOff, i)).intoArray(out, outOff + i);
  }

  private static void square(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    for (int i = from; i < end; i += L) {
      FloatVector v = at(x, xOff, i);
      v.mul(v).intoArray(out, outOff + i);
    }
  }

  private static void abs(int from, int end, float[] x, int xOff, float[] out, int outOff) {
    for (int i = from; i < end; i += L) at(x, xOff, i).abs().intoArray(out, outOff + i);
  }

  /** {@code u = sqrt(2/pi) (x + 0.044715 x^3)}, the argument of the GELU's tanh. */
  private static FloatVector geluTanhArgument(FloatVector x) {
    FloatVector cube = x.mul(x).mul(x);
    return cube.mul(UnaryMath.GELU_TANH_CUBIC).add(x).mul(UnaryMath.GELU_TANH_SCALE);
  }

  // ---------------------------------------------------------------- backward

  /** The arrays of a backward call: x, y = f(x), dy in; dx out (added to when accumulating). */
  record Grad(float[] x, int xOff, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff,
              boolean accumulate) {}

  /** {@code dx[i] (+)= dy[i] · f'(x[i])} for i in [from, to). */
  static void backward(UnaryOp op, int from, int to, Grad g) {
    int end = from + SPECIES.loopBound(to - from);
    switch (op) {
      case NEG -> negBackward(from, end, g);
      case EXP -> expBackward(from, end, g);
      case LOG -> logBackward(from, end, g);
      case TANH -> tanhBackward(from, end, g);
      case RELU -> reluBackward(from, end, g);
      case SIGMOID -> sigmoidBackward(from, end, g);
      case GELU_TANH -> geluTanhBackward(from, end, g);
      case GELU_ERF -> geluErfBackward(from, end, g);
      case SQRT -> sqrtBackward(from, end, g);
      case RECIPROCAL -> reciprocalBackward(from, end, g);
      case SQUARE -> squareBackward(from, end, g);
      case ABS -> absBackward(from, end, g);
    }
    for (int i = end; i < to; i++) {
      float d = g.dy[g.dyOff + i] * UnaryMath.derivative(op, g.x[g.xOff + i], g.y[g.yOff + i]);
      g.dx[g.dxOff + i] = g.accumulate ? g.dx[g.dxOff + i] + d : d;
    }
  }

  /** Writes {@code dy · derivative} to dx at i (added to what is there when accumulating). */
  private static void store(Grad g, int i, FloatVector derivative) {
    FloatVector d = at(g.dy, g.dyOff, i).mul(derivative);
    if (g.accumulate) d = d.add(at(g.dx, g.dxOff, i));
    d.intoArray(g.dx, g.dxOff + i);
  }

  private static void negBackward(int from, int end, Grad g) {
    FloatVector minusOne = FloatVector.broadcast(SPECIES, -1f);
    for (int i = from; i < end; i += L) store(g, i, minusOne);
  }

  private static void expBackward(int from, int end, Grad g) {
    for (int i = from; i < end; i += L) store(g, i, at(g.y, g.yOff, i));             // e^x
  }

  private static void logBackward(int from, int end, Grad g) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int i = from; i < end; i += L) store(g, i, one.div(at(g.x, g.xOff, i)));     // 1/x
  }

  private static void tanhBackward(int from, int end, Grad g) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int i = from; i < end; i += L) {
      FloatVector y = at(g.y, g.yOff, i);
      store(g, i, one.sub(y.mul(y)));                                                // 1 - y^2
    }
  }

  private static void reluBackward(int from, int end, Grad g) {
    FloatVector zero = FloatVector.zero(SPECIES);
    for (int i = from; i < end; i += L) {
      store(g, i, zero.blend(1f, at(g.x, g.xOff, i).compare(VectorOperators.GT, 0f)));
    }
  }

  private static void sigmoidBackward(int from, int end, Grad g) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int i = from; i < end; i += L) {
      FloatVector y = at(g.y, g.yOff, i);
      store(g, i, y.mul(one.sub(y)));                                                // y (1 - y)
    }
  }

  private static void geluTanhBackward(int from, int end, Grad g) {
    float[] e = SCRATCH.get();
    for (int s = from; s < end; s += BLOCK) {
      int stop = Math.min(end, s + BLOCK);
      tanhExpPass(s, stop, g.x, g.xOff, true, e);
      geluTanhOfArgumentPass(s, stop, g.x, g.xOff, e);
      geluTanhBackwardPass(s, stop, g, e);
    }
  }

  /** {@code e[i - from] = tanh(u(x))} from {@code e = exp(2|u|)}, in place. */
  private static void geluTanhOfArgumentPass(int from, int end, float[] x, int xOff, float[] e) {
    for (int i = from; i < end; i += L) {
      VectorMath.tanhFromExp(geluTanhArgument(at(x, xOff, i)), at(e, -from, i)).intoArray(e, i - from);
    }
  }

  private static void geluTanhBackwardPass(int from, int end, Grad g, float[] tanhU) {
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    for (int i = from; i < end; i += L) {
      // 0.5 (1 + tanh u) + 0.5 x (1 - tanh^2 u) u'
      FloatVector x = at(g.x, g.xOff, i);
      FloatVector th = at(tanhU, -from, i);
      FloatVector du = x.mul(x).mul(3f * UnaryMath.GELU_TANH_CUBIC).add(1f).mul(UnaryMath.GELU_TANH_SCALE);
      store(g, i, th.add(1f).mul(0.5f).add(x.mul(0.5f).mul(one.sub(th.mul(th))).mul(du)));
    }
  }

  private static void geluErfBackward(int from, int end, Grad g) {
    float[] e = SCRATCH.get();
    for (int s = from; s < end; s += BLOCK) {
      int stop = Math.min(end, s + BLOCK);
      gaussExpPass(s, stop, g.x, g.xOff, e);
      geluErfBackwardPass(s, stop, g, e);
    }
  }

  private static void geluErfBackwardPass(int from, int end, Grad g, float[] e) {
    for (int i = from; i < end; i += L) {
      // Phi(x) + x phi(x), both from e = exp(-x^2 / 2)
      FloatVector x = at(g.x, g.xOff, i);
      FloatVector gauss = at(e, -from, i);
      FloatVector cdf = VectorMath.erfFromExp(x.mul(UnaryMath.INV_SQRT2), gauss).add(1f).mul(0.5f);
      FloatVector pdf = gauss.mul(UnaryMath.INV_SQRT_2PI);
      store(g, i, cdf.add(x.mul(pdf)));
    }
  }

  private static void sqrtBackward(int from, int end, Grad g) {
    FloatVector half = FloatVector.broadcast(SPECIES, 0.5f);
    for (int i = from; i < end; i += L) store(g, i, half.div(at(g.y, g.yOff, i)));   // 1 / (2 sqrt x)
  }

  private static void reciprocalBackward(int from, int end, Grad g) {
    for (int i = from; i < end; i += L) {
      FloatVector y = at(g.y, g.yOff, i);
      store(g, i, y.mul(y).neg());                                                   // -1/x^2
    }
  }

  private static void squareBackward(int from, int end, Grad g) {
    for (int i = from; i < end; i += L) store(g, i, at(g.x, g.xOff, i).mul(2f));
  }

  private static void absBackward(int from, int end, Grad g) {
    FloatVector zero = FloatVector.zero(SPECIES);
    for (int i = from; i < end; i += L) {
      // signum: +1, -1, 0 at zero, NaN kept (dy · NaN = NaN, as the scalar rule)
      FloatVector x = at(g.x, g.xOff, i);
      VectorMask<Float> nan = x.test(VectorOperators.IS_NAN);
      store(g, i, zero.blend(1f, x.compare(VectorOperators.GT, 0f))
          .blend(-1f, x.compare(VectorOperators.LT, 0f)).blend(x, nan));
    }
  }
}
