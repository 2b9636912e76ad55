package org.jlora.engine.kernels;

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
 * The arithmetic is the unfused path's (σ by the unary kernel, then the products in this order),
 * product for product.
 */
final class SwiGluScalar {
  private SwiGluScalar() {}

  // gate, up: [n] -> y: [n]
  static void forward(int n, float[] g, int go, float[] u, int uo, float[] ys, int yo) {
    for (int i = 0; i < n; i++) {
      float x = g[go + i];
      float s = UnaryMath.apply(UnaryOp.SIGMOID, x);
      ys[yo + i] = x * s * u[uo + i];
    }
  }

  /** Writes the gradients asked for; dg or du may be null (that input is frozen). */
  // gate, up, dy: [n] -> dGate, dUp: [n]
  static void backward(int n, float[] g, int go, float[] u, int uo, float[] d, int dyo,
                       float[] dg, int dgo, float[] du, int duo) {
    for (int i = 0; i < n; i++) {
      float x = g[go + i];
      float s = UnaryMath.apply(UnaryOp.SIGMOID, x);
      float dyi = d[dyo + i];
      if (du != null) du[duo + i] = dyi * x * s;
      if (dg != null) dg[dgo + i] = dyi * u[uo + i] * s * (1f + x * (1f - s));
    }
  }
}
