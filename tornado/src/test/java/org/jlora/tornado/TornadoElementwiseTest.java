package org.jlora.tornado;

import static org.jlora.tornado.Close.assertClose;
import static org.jlora.tornado.TornadoMatmulTest.random;

import org.jlora.engine.Backend;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.Rng;
import org.jlora.engine.ScalarBackend;
import org.jlora.engine.UnaryOp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** Every offloaded elementwise kernel (binary, unary and its backward, axpy, scale, AdamW) against the scalar one. */
class TornadoElementwiseTest {
  private static final int N = 301;
  private final Backend scalar = new ScalarBackend();

  @ParameterizedTest
  @EnumSource(BinaryOp.class)
  void binaryWithBroadcast(BinaryOp op) {
    Backend tornado = TornadoRuntime.backend();
    Rng rng = new Rng(op.ordinal());
    int cols = 7;
    int n = 6 * cols;
    float[] a = random(rng, 1 + n);
    float[] b = random(rng, 2 + cols);
    b[3] = Float.NaN;                          // MAX and MIN must keep NaN, as Java does
    float[] expected = new float[n + 1];
    float[] actual = new float[n + 1];
    scalar.binary(op, n, a, 1, n, b, 2, cols, expected, 1);
    tornado.binary(op, n, a, 1, n, b, 2, cols, actual, 1);
    assertClose("binary " + op, expected, actual, 1e-6f);
  }

  @ParameterizedTest
  @EnumSource(UnaryOp.class)
  void unaryForwardAndBackward(UnaryOp op) {
    Backend tornado = TornadoRuntime.backend();
    Rng rng = new Rng(100 + op.ordinal());
    float[] x = random(rng, N + 2);
    if (op == UnaryOp.LOG || op == UnaryOp.SQRT) {
      for (int i = 0; i < x.length; i++) x[i] = Math.abs(x[i]) + 0.05f;
    }
    x[5] = 0f;
    if (op == UnaryOp.LOG || op == UnaryOp.SQRT || op == UnaryOp.RECIPROCAL) x[5] = 0.5f;
    float[] yExpected = new float[N + 2];
    float[] yActual = new float[N + 2];
    scalar.unary(op, N, x, 2, yExpected, 2);
    tornado.unary(op, N, x, 2, yActual, 2);
    assertClose("unary " + op, yExpected, yActual, 2e-6f);

    float[] dy = random(rng, N + 1);
    for (boolean accumulate : new boolean[] {false, true}) {
      float[] dxExpected = random(new Rng(7), N + 3);
      float[] dxActual = dxExpected.clone();
      scalar.unaryBackward(op, N, x, 2, yExpected, 2, dy, 1, dxExpected, 3, accumulate);
      tornado.unaryBackward(op, N, x, 2, yExpected, 2, dy, 1, dxActual, 3, accumulate);
      assertClose("unaryBackward " + op + (accumulate ? " (accumulate)" : ""), dxExpected, dxActual, 2e-6f);
    }
  }

  @Test
  void axpyAndScale() {
    Backend tornado = TornadoRuntime.backend();
    Rng rng = new Rng(3);
    float[] x = random(rng, N + 1);
    float[] yExpected = random(rng, N + 4);
    float[] yActual = yExpected.clone();
    for (float alpha : new float[] {0.5f, -3f}) {   // a new alpha each call: the graph must not bake it in
      scalar.axpy(N, alpha, x, 1, yExpected, 4);
      tornado.axpy(N, alpha, x, 1, yActual, 4);
      assertClose("axpy alpha=" + alpha, yExpected, yActual, 1e-6f);
      scalar.scale(N, alpha, yExpected, 2);
      tornado.scale(N, alpha, yActual, 2);
      assertClose("scale alpha=" + alpha, yExpected, yActual, 1e-6f);
    }
  }

  @Test
  void adamwSteps() {
    Backend tornado = TornadoRuntime.backend();
    Rng rng = new Rng(4);
    float[] pE = random(rng, N + 1);
    float[] pA = pE.clone();
    float[] mE = new float[N + 2];
    float[] mA = new float[N + 2];
    float[] vE = new float[N + 3];
    float[] vA = new float[N + 3];
    float b1 = 0.9f;
    float b2 = 0.999f;
    for (int t = 1; t <= 3; t++) {                  // lr and the bias corrections change every step
      float[] g = random(rng, N + 4);
      float lr = 1e-2f / t;
      float bc1 = (float) (1 - Math.pow(b1, t));
      float bc2 = (float) (1 - Math.pow(b2, t));
      scalar.adamw(N, pE, 1, g, 4, mE, 2, vE, 3, lr, b1, b2, 1e-8f, 0.01f, bc1, bc2);
      tornado.adamw(N, pA, 1, g, 4, mA, 2, vA, 3, lr, b1, b2, 1e-8f, 0.01f, bc1, bc2);
      assertClose("adamw p, step " + t, pE, pA, 1e-6f);
      assertClose("adamw m, step " + t, mE, mA, 1e-6f);
      assertClose("adamw v, step " + t, vE, vA, 1e-6f);
    }
  }
}
