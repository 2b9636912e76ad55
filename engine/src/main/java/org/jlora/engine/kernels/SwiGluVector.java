package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;

/**
 * SwiGLU on the Vector API in one pass (σ and the products together); the definition is
 * {@link SwiGluScalar}'s. The work goes in {@link ElementwiseVector#BLOCK}-element blocks like
 * every elementwise kernel, σ is the vector sigmoid of {@link ElementwiseVector#unary} (and the
 * scalar one on the same tail elements) and the products are associated as the scalar twin's, so
 * the result is autograd's {@code SwiGluOps} on the vector backend bit for bit, which ran σ as a
 * separate pass.
 */
public final class SwiGluVector {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();
  private static final int BLOCK = ElementwiseVector.BLOCK;

  private SwiGluVector() {}

  /** See {@link SwiGluScalar#forward}. */
  // gate, up: [..., F] -> y: [..., F]
  public static void forward(Tensor gate, Tensor up, Tensor y) {
    SwiGluScalar.check("swigluForward", gate, up, y);
    float[] g = gate.data(), u = up.data(), ys = y.data();
    int go = gate.offset(), uo = up.offset(), yo = y.offset();
    forBlocks(gate.size(), 10, (from, to) -> {
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

  /** See {@link SwiGluScalar#backward}; dGate or dUp may be null. */
  // gate, up, dy, dGate, dUp: [..., F]
  public static void backward(Tensor gate, Tensor up, Tensor dy, Tensor dGate, Tensor dUp) {
    SwiGluScalar.checkBackward(gate, up, dy, dGate, dUp);
    float[] g = gate.data(), u = up.data(), d = dy.data();
    float[] dg = dGate == null ? null : dGate.data(), du = dUp == null ? null : dUp.data();
    int go = gate.offset(), uo = up.offset(), dyo = dy.offset();
    int dgo = dGate == null ? 0 : dGate.offset(), duo = dUp == null ? 0 : dUp.offset();
    forBlocks(gate.size(), 12, (from, to) -> {
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

  /** {@code body} over {@code [0, n)} in whole {@link #BLOCK}s, so the scalar tail never depends on the thread count. */
  private static void forBlocks(int n, int costPerElement, Parallel.RangeBody body) {
    int blocks = (n + BLOCK - 1) / BLOCK;
    Parallel.forRange(blocks, 1, (long) n * costPerElement,
        (from, to) -> body.run(from * BLOCK, Math.min(n, to * BLOCK)));
  }
}
