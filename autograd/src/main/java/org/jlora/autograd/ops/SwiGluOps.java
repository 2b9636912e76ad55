package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Parallel;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * SwiGLU's gate, fused: {@code y = silu(gate) ∘ up} with {@code silu(g) = g · σ(g)}, the middle of
 * Llama's MLP {@code down(silu(gate(x)) ∘ up(x))}. One pass instead of three ops (sigmoid, two
 * products) and their intermediate tensors. Backward, with {@code s = σ(g)}:
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
    int n = gv.size();
    float[] gs = gv.data();
    int go = gv.offset();
    float[] us = uv.data();
    int uo = uv.offset();
    Tensor y = Tensor.zeros(gv.shape());
    float[] ys = y.data();
    Parallel.forRange(n, 1024, (long) n * 8, (from, to) -> {
      for (int i = from; i < to; i++) ys[i] = silu(gs[go + i]) * us[uo + i];
    });
    return Variable.fromOp("swiglu", y, g -> {
      float[] dy = g.data();
      int dyo = g.offset();
      boolean needGate = gate.requiresGrad();
      boolean needUp = up.requiresGrad();
      Tensor dGate = needGate ? Tensor.zeros(gv.shape()) : null;
      Tensor dUp = needUp ? Tensor.zeros(uv.shape()) : null;
      Parallel.forRange(n, 1024, (long) n * 10, (from, to) -> {
        for (int i = from; i < to; i++) {
          float x = gs[go + i];
          float s = sigmoid(x);
          if (needUp) dUp.data()[i] = dy[dyo + i] * x * s;
          if (needGate) dGate.data()[i] = dy[dyo + i] * us[uo + i] * s * (1f + x * (1f - s));
        }
      });
      if (needGate) gate.accumulateOwnedGrad(dGate);
      if (needUp) up.accumulateOwnedGrad(dUp);
    }, gate, up);
  }

  /** {@code x · σ(x)}, as PyTorch's F.silu. */
  public static float silu(float x) {
    return x * sigmoid(x);
  }

  private static float sigmoid(float x) {
    return (float) (1.0 / (1.0 + Math.exp(-x)));
  }
}
