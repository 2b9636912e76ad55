package org.jlora.engine;

import static org.jlora.engine.ElementwiseKernelsTest.LENGTHS;
import static org.jlora.engine.KernelFixtures.SCALAR;
import static org.jlora.engine.KernelFixtures.VECTOR;
import static org.jlora.engine.KernelFixtures.assertClose;
import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.assertWindowOnly;
import static org.jlora.engine.KernelFixtures.randn;
import static org.jlora.engine.KernelFixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * SwiGLU kernels: each is bit for bit the unfused path the autograd op takes today (the backend's
 * sigmoid, then the products), vector near scalar, and the gradients against the calculus.
 */
class SwiGluKernelsTest {
  @Test
  void fusedKernelsAreTheUnfusedSigmoidThenProducts() {
    for (int n : LENGTHS) {
      Rng rng = new Rng(n);
      Tensor gate = randn(rng, 3f, 3, n), up = randn(rng, 1f, 1, n), dy = randn(rng, 1f, 2, n);
      for (boolean vector : new boolean[] {false, true}) {
        String at = (vector ? "vector " : "scalar ") + n;
        float[] s = new float[n];   // σ(gate) by the backend's unary kernel
        (vector ? VECTOR : SCALAR).elementwise().unary(UnaryOp.SIGMOID, gate, Tensor.of(s, n));
        Tensor y = zeros(1, n), ey = Tensor.zeros(n);
        Tensor dGate = zeros(2, n), dUp = zeros(3, n), eg = Tensor.zeros(n), eu = Tensor.zeros(n);
        for (int i = 0; i < n; i++) {
          float x = gate.get(i), u = up.get(i), d = dy.get(i);
          ey.set(i, x * s[i] * u);
          eu.set(i, d * x * s[i]);
          eg.set(i, d * u * s[i] * (1f + x * (1f - s[i])));
        }
        if (vector) {
          VECTOR.elementwise().swiglu(gate, up, y);
          VECTOR.elementwise().swigluBackward(gate, up, dy, dGate, dUp);
        } else {
          SCALAR.elementwise().swiglu(gate, up, y);
          SCALAR.elementwise().swigluBackward(gate, up, dy, dGate, dUp);
        }
        assertSameBits("y " + at, ey, y);
        assertSameBits("dGate " + at, eg, dGate);
        assertSameBits("dUp " + at, eu, dUp);
        assertWindowOnly("y " + at, y);
        assertWindowOnly("dGate " + at, dGate);
      }
    }
  }

  @Test
  void vectorIsWithinAFewUlpsOfScalar() {
    int n = 70_001;
    Rng rng = new Rng(1);
    Tensor gate = randn(rng, 3f, 0, n), up = randn(rng, 1f, 0, n), dy = randn(rng, 1f, 0, n);
    Tensor ys = Tensor.zeros(n), yv = Tensor.zeros(n), gs = Tensor.zeros(n), gv = Tensor.zeros(n);
    SCALAR.elementwise().swiglu(gate, up, ys);
    VECTOR.elementwise().swiglu(gate, up, yv);
    assertClose("y", ys, yv, 1e-6f, 2e-6f);
    SCALAR.elementwise().swigluBackward(gate, up, dy, gs, null);
    VECTOR.elementwise().swigluBackward(gate, up, dy, gv, null);
    assertClose("dGate", gs, gv, 1e-6f, 4e-6f);
  }

  /** d/dg of silu(g)·u against a central difference in double. */
  @Test
  void gateGradientIsTheDerivativeOfSilu() {
    float[] xs = {-6f, -1.5f, -0.1f, 0f, 0.3f, 2f, 8f};
    Tensor gate = Tensor.of(xs.clone(), xs.length), up = Tensor.full(1.7f, xs.length), dy = Tensor.ones(xs.length);
    Tensor dGate = Tensor.zeros(xs.length), dUp = Tensor.zeros(xs.length), y = Tensor.zeros(xs.length);
    VECTOR.elementwise().swigluBackward(gate, up, dy, dGate, dUp);
    VECTOR.elementwise().swiglu(gate, up, y);
    for (int i = 0; i < xs.length; i++) {
      double h = 1e-5, x = xs[i];
      double numeric = 1.7 * (silu(x + h) - silu(x - h)) / (2 * h);
      assertEquals(numeric, dGate.get(i), 1e-5, "dGate at " + x);
      assertEquals(silu(x), dUp.get(i), 1e-6, "dUp at " + x);   // d/du silu(g)·u = silu(g)
      assertEquals(silu(x) * 1.7, y.get(i), 1e-5, "y at " + x);
    }
  }

  private static double silu(double x) {
    return x / (1 + Math.exp(-x));
  }
}
