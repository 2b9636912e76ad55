package org.jlora.engine.kernels;

import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;

/**
 * SwiGLU's gate, fused, scalar reference: {@code y = silu(gate) ∘ up} with
 * {@code silu(g) = g · σ(g)}, the middle of Llama's MLP {@code down(silu(gate(x)) ∘ up(x))}.
 * Backward, with {@code s = σ(g)} recomputed (cheaper than saving it):
 *
 * <pre>
 *   d up   = dy ∘ g·s
 *   d gate = dy ∘ up ∘ s·(1 + g·(1 - s))
 * </pre>
 *
 * The arithmetic is autograd's {@code SwiGluOps} on the scalar backend, product for product.
 */
public final class SwiGluScalar {
  private SwiGluScalar() {}

  // gate, up: [..., F] -> y: [..., F]
  public static void forward(Tensor gate, Tensor up, Tensor y) {
    check("swigluForward", gate, up, y);
    float[] g = gate.data(), u = up.data(), ys = y.data();
    for (int i = 0; i < gate.size(); i++) {
      float x = g[gate.offset() + i];
      float s = UnaryMath.apply(UnaryOp.SIGMOID, x);
      ys[y.offset() + i] = x * s * u[up.offset() + i];
    }
  }

  /** Writes the gradients asked for; dGate or dUp may be null (that input is frozen). */
  // gate, up, dy, dGate, dUp: [..., F]
  public static void backward(Tensor gate, Tensor up, Tensor dy, Tensor dGate, Tensor dUp) {
    checkBackward(gate, up, dy, dGate, dUp);
    float[] g = gate.data(), u = up.data(), d = dy.data();
    for (int i = 0; i < gate.size(); i++) {
      float x = g[gate.offset() + i];
      float s = UnaryMath.apply(UnaryOp.SIGMOID, x);
      float dyi = d[dy.offset() + i];
      if (dUp != null) dUp.data()[dUp.offset() + i] = dyi * x * s;
      if (dGate != null) dGate.data()[dGate.offset() + i] = dyi * u[up.offset() + i] * s * (1f + x * (1f - s));
    }
  }

  static void check(String op, Tensor gate, Tensor up, Tensor out) {
    if (!gate.sameShape(up) || !gate.sameShape(out)) {
      throw new ShapeException(op + ": gate " + Shapes.str(gate.shape()) + ", up " + Shapes.str(up.shape())
          + " and the output " + Shapes.str(out.shape()) + " must have the same shape");
    }
  }

  static void checkBackward(Tensor gate, Tensor up, Tensor dy, Tensor dGate, Tensor dUp) {
    check("swigluBackward", gate, up, dy);
    if (dGate != null) Shapes.requireSame("swigluBackward (dGate)", gate, dGate);
    if (dUp != null) Shapes.requireSame("swigluBackward (dUp)", gate, dUp);
  }
}
