package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * SwiGLU's gate, fused: {@code y = silu(gate) ∘ up} with {@code silu(g) = g · σ(g)}, the middle of
 * Llama's MLP {@code down(silu(gate(x)) ∘ up(x))}. One kernel instead of three ops (sigmoid, two
 * products) and their intermediate tensors. Backward, with {@code s = σ(g)} recomputed:
 *
 * <pre>
 *   d up   = dy ∘ g·s
 *   d gate = dy ∘ up ∘ s·(1 + g·(1 - s))
 * </pre>
 */
public final class SwiGluOps {
  private SwiGluOps() {}

  /** gate, up [..., F] (same shape) -> silu(gate) ∘ up [..., F]. */
  public static Variable swiglu(Variable gate, Variable up) {
    Tensor gv = gate.value();
    Tensor uv = up.value();
    if (!gv.sameShape(uv)) {
      throw new ShapeException("swiglu: gate " + Shapes.str(gv.shape()) + " and up " + Shapes.str(uv.shape())
          + " must have the same shape");
    }
    Backend be = Backends.current();
    Tensor y = Tensor.zeros(gv.shape());
    be.elementwise().swiglu(gv, uv, y);
    return Variable.fromOp("swiglu", y, g -> {
      Tensor dGate = gate.requiresGrad() ? Tensor.zeros(gv.shape()) : null;
      Tensor dUp = up.requiresGrad() ? Tensor.zeros(uv.shape()) : null;
      be.elementwise().swigluBackward(gv, uv, g, dGate, dUp);
      if (dGate != null) gate.accumulateOwnedGrad(dGate);
      if (dUp != null) up.accumulateOwnedGrad(dUp);
    }, gate, up);
  }
}
