package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;

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
    Backend be = Backends.current();
    Tensor y = Tensor.zeros(gv.shape());
    float[] ys = y.data();
    // y [..., F] = σ(gate) by the backend's sigmoid kernel (vectorised), then (gate · σ) · up in place:
    // a loop of products the JIT vectorises; the same rounding as silu(g) · u element by element
    be.elementwise().unary(UnaryOp.SIGMOID, gv, y);
    Parallel.forRange(n, 1024, (long) n * 2, (from, to) -> {
      for (int i = from; i < to; i++) ys[i] = gs[go + i] * ys[i] * us[uo + i];
    });
    return Variable.fromOp("swiglu", y, g -> {
      float[] dy = g.data();
      int dyo = g.offset();
      boolean needGate = gate.requiresGrad();
      boolean needUp = up.requiresGrad();
      if (!needGate && !needUp) return;
      Tensor dGate = needGate ? Tensor.zeros(gv.shape()) : null;
      Tensor dUp = needUp ? Tensor.zeros(uv.shape()) : null;
      // s [..., F] = σ(gate), recomputed (cheaper than saving it) into the first gradient's buffer,
      // which each element then overwrites with its own gradient after reading its s
      Tensor sigmoid = needGate ? dGate : dUp;
      be.elementwise().unary(UnaryOp.SIGMOID, gv, sigmoid);
      float[] sb = sigmoid.data();
      float[] dg = needGate ? dGate.data() : null;
      float[] du = needUp ? dUp.data() : null;
      Parallel.forRange(n, 1024, (long) n * 4, (from, to) -> {
        if (needUp && needGate) {
          for (int i = from; i < to; i++) {
            float x = gs[go + i];
            float s = sb[i];
            du[i] = dy[dyo + i] * x * s;
            dg[i] = dy[dyo + i] * us[uo + i] * s * (1f + x * (1f - s));
          }
        } else if (needGate) {
          for (int i = from; i < to; i++) {
            float x = gs[go + i];
            float s = sb[i];
            dg[i] = dy[dyo + i] * us[uo + i] * s * (1f + x * (1f - s));
          }
        } else {
          for (int i = from; i < to; i++) du[i] = dy[dyo + i] * gs[go + i] * sb[i];
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
