package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.UnaryOp;

/**
 * SwiGLU on the Vector API in one pass (σ and the products together); the definition is
 * {@link SwiGluScalar}'s. The work goes in {@link ElementwiseVector#BLOCK}-element blocks like
 * every elementwise kernel, σ is the vector sigmoid of {@link ElementwiseVector#unary} (and the
 * scalar one on the same tail elements) and the products are associated as the scalar twin's, so
 * the result is bit for bit the unfused path (σ by the vector unary kernel as a separate pass,
 * then the products).
 */
final class SwiGluVector {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();

  private SwiGluVector() {}

  /** See {@link SwiGluScalar#forward}. */
  // gate, up: [..., F] -> y: [..., F]
  static void forward(int n, float[] g, int go, float[] u, int uo, float[] ys, int yo) {
    ElementwiseVector.forBlocks(n, 10, (from, to) -> {
      int i = from;
      for (int end = from + SPECIES.loopBound(to - from); i < end; i += L) {
        FloatVector x = FloatVector.fromArray(SPECIES, g, go + i);
        x.mul(sigmoid(x)).mul(FloatVector.fromArray(SPECIES, u, uo + i)).intoArray(ys, yo + i);
      }
      for (; i < to; i++) {
        float x = g[go + i];
        ys[yo + i] = x * UnaryMath.apply(UnaryOp.SIGMOID, x) * u[uo + i];
      }
    });
  }

  /** See {@link SwiGluScalar#backward}; dg or du may be null. */
  // gate, up, dy, dGate, dUp: [..., F]
  static void backward(int n, float[] g, int go, float[] u, int uo, float[] d, int dyo,
                       float[] dg, int dgo, float[] du, int duo) {
    ElementwiseVector.forBlocks(n, 12, (from, to) -> {
      int i = from;
      for (int end = from + SPECIES.loopBound(to - from); i < end; i += L) {
        FloatVector x = FloatVector.fromArray(SPECIES, g, go + i);
        FloatVector s = sigmoid(x);
        FloatVector dyi = FloatVector.fromArray(SPECIES, d, dyo + i);
        if (du != null) dyi.mul(x).mul(s).intoArray(du, duo + i);
        if (dg != null) {
          FloatVector slope = x.mul(s.neg().add(1f)).add(1f);   // 1 + g·(1 - s)
          dyi.mul(FloatVector.fromArray(SPECIES, u, uo + i)).mul(s).mul(slope).intoArray(dg, dgo + i);
        }
      }
      for (; i < to; i++) {
        float x = g[go + i];
        float s = UnaryMath.apply(UnaryOp.SIGMOID, x);
        if (du != null) du[duo + i] = d[dyo + i] * x * s;
        if (dg != null) dg[dgo + i] = d[dyo + i] * u[uo + i] * s * (1f + x * (1f - s));
      }
    });
  }

  /** σ(x) = 1 / (exp(-x) + 1), exactly the expression of the vector unary sigmoid. */
  private static FloatVector sigmoid(FloatVector x) {
    return FloatVector.broadcast(SPECIES, 1f).div(VectorMath.exp(x.neg()).add(1f));
  }
}
