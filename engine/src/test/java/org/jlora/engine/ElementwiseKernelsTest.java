package org.jlora.engine;

import static org.jlora.engine.HostKernels.*;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.Arrays;
import java.util.stream.IntStream;
import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The elementwise kernels: the scalar reference's semantics, and the vector kernels against it. */
class ElementwiseKernelsTest {
  static final int VLEN = FloatVector.SPECIES_PREFERRED.length();
  /** Every length from 1 to 3·VLEN+3 (all loop/tail splits), then sizes that go parallel. */
  static final int[] LENGTHS = IntStream.concat(IntStream.rangeClosed(1, 3 * VLEN + 3),
      IntStream.of(1000, 4097, 70_001)).toArray();
  static final int X_OFF = 3, OUT_OFF = 5;

  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(Runtime.getRuntime().availableProcessors());
  }

  static float[] gaussian(Rng rng, int n, float std) {
    float[] a = new float[n];
    for (int i = 0; i < n; i++) a[i] = std * rng.nextGaussian();
    return a;
  }

  /** Inputs inside the op's domain: positive for log and sqrt, away from 0 for the reciprocal. */
  static float[] inputsFor(UnaryOp op, Rng rng, int n) {
    float[] x = gaussian(rng, n, 3f);
    for (int i = 0; i < n; i++) {
      switch (op) {
        case LOG, SQRT -> x[i] = Math.abs(x[i]) + 1e-3f;
        case RECIPROCAL -> x[i] = Math.copySign(Math.abs(x[i]) + 0.1f, x[i]);
        default -> { }
      }
    }
    return x;
  }

  /**
   * How far the vector kernels may stray from the scalar reference: {@code |v - s| <= abs + rel·|s|}.
   * Ops built from +, ·, / and sqrt round identically (0); lanewise EXP/LOG/TANH are the JDK's
   * vector math (SVML on x86), a few ulps from {@code Math}'s. The GELUs get an absolute term for
   * the cancellation in {@code 1 + tanh(u)} / {@code 1 + erf(u)} at negative x.
   */
  static float[] tolerance(UnaryOp op) {
    return switch (op) {
      case NEG, RELU, SQUARE, ABS, SQRT, RECIPROCAL -> new float[] {0f, 0f};
      case EXP, LOG, TANH, SIGMOID -> new float[] {1e-7f, 4e-7f};
      case GELU_TANH, GELU_ERF -> new float[] {1e-6f, 1e-6f};
    };
  }

  static void assertClose(String what, float[] expected, float[] actual, float abs, float rel) {
    assertEquals(expected.length, actual.length, what + ": lengths");
    for (int i = 0; i < expected.length; i++) {
      float e = expected[i], a = actual[i];
      if (Float.isNaN(e) || Float.isInfinite(e)) {
        if (Float.compare(e, a) != 0) fail(what + " at " + i + ": expected " + e + ", got " + a);
        continue;
      }
      if (!(Math.abs(a - e) <= abs + rel * Math.abs(e))) {
        fail(what + " at " + i + " (of " + expected.length + "): expected " + e + ", got " + a
            + " (|diff| " + Math.abs(a - e) + " > " + abs + " + " + rel + "·|e|)");
      }
    }
  }

  // ---------------------------------------------------------------- scalar semantics

  @Test
  void scalarBinaryFollowsBinaryOpApplyWithBroadcasting() {
    float[] a = {1, 2, 3, 4, 5, 6};      // [2, 3]
    float[] b = {10, 20, 30};            // [3]
    float[] out = new float[6];
    ELEMENTWISE_SCALAR.binary(BinaryOp.ADD, 6, a, 0, 6, b, 0, 3, out, 0);
    assertArrayEquals(new float[] {11, 22, 33, 14, 25, 36}, out);
    ELEMENTWISE_SCALAR.binary(BinaryOp.SUB, 6, b, 0, 3, a, 0, 6, out, 0);
    assertArrayEquals(new float[] {9, 18, 27, 6, 15, 24}, out);
    ELEMENTWISE_SCALAR.binary(BinaryOp.DIV, 6, a, 0, 6, new float[] {2}, 0, 1, out, 0);
    assertArrayEquals(new float[] {0.5f, 1, 1.5f, 2, 2.5f, 3}, out);
    ELEMENTWISE_SCALAR.binary(BinaryOp.MAX, 2, new float[] {Float.NaN, 1}, 0, 2, new float[] {0}, 0, 1, out, 0);
    assertTrue(Float.isNaN(out[0]));
    assertEquals(1f, out[1]);
  }

  @Test
  void specialValuesPropagateAsTheMathSays() {
    float nan = Float.NaN, inf = Float.POSITIVE_INFINITY;
    for (boolean vector : new boolean[] {false, true}) {
      String who = vector ? "vector" : "scalar";
      assertEquals(0f, unaryOne(vector, UnaryOp.EXP, -inf), who + " exp(-Inf)");
      assertEquals(inf, unaryOne(vector, UnaryOp.EXP, inf), who + " exp(+Inf)");
      assertEquals(-inf, unaryOne(vector, UnaryOp.LOG, 0f), who + " log(0)");
      assertTrue(Float.isNaN(unaryOne(vector, UnaryOp.LOG, -1f)), who + " log(-1)");
      assertTrue(Float.isNaN(unaryOne(vector, UnaryOp.SQRT, -1f)), who + " sqrt(-1)");
      assertEquals(inf, unaryOne(vector, UnaryOp.RECIPROCAL, 0f), who + " 1/0");
      assertEquals(1f, unaryOne(vector, UnaryOp.TANH, inf), who + " tanh(+Inf)");
      assertEquals(0f, unaryOne(vector, UnaryOp.SIGMOID, -inf), who + " sigmoid(-Inf)");
      assertEquals(1f, unaryOne(vector, UnaryOp.SIGMOID, inf), who + " sigmoid(+Inf)");
      assertEquals(0f, unaryOne(vector, UnaryOp.RELU, -inf), who + " relu(-Inf)");
      assertEquals(inf, unaryOne(vector, UnaryOp.GELU_ERF, inf), who + " gelu(+Inf)");
      for (UnaryOp op : UnaryOp.values()) {
        assertTrue(Float.isNaN(unaryOne(vector, op, nan)), who + " " + op + "(NaN) must be NaN");
      }
    }
  }

  /** f(x) for one value, placed at every lane position of a vector-length run and in the tail. */
  static float unaryOne(boolean vector, UnaryOp op, float v) {
    int n = 2 * VLEN + 1;
    float[] x = new float[n];
    Arrays.fill(x, v);
    float[] out = new float[n];
    if (vector) ELEMENTWISE_VECTOR.unary(op, n, x, 0, out, 0);
    else ELEMENTWISE_SCALAR.unary(op, n, x, 0, out, 0);
    for (int i = 1; i < n; i++) {
      assertEquals(out[0], out[i], op + "(" + v + ") differs between lane 0 and " + i);
    }
    return out[0];
  }

  @Test
  void scalarGeluMatchesKnownValues() {
    // torch.nn.functional.gelu(x) and gelu(x, approximate='tanh') at x = -1, 0.5, 2
    float[] x = {-1f, 0.5f, 2f};
    float[] out = new float[3];
    ELEMENTWISE_SCALAR.unary(UnaryOp.GELU_ERF, 3, x, 0, out, 0);
    assertArrayEquals(new float[] {-0.15865526f, 0.34573123f, 1.9544997f}, out, 3e-7f);
    ELEMENTWISE_SCALAR.unary(UnaryOp.GELU_TANH, 3, x, 0, out, 0);
    assertArrayEquals(new float[] {-0.15880801f, 0.34571401f, 1.9545977f}, out, 3e-7f);
  }

  /** f'(x) of the scalar rule against a central difference, in double, of the scalar f itself. */
  @ParameterizedTest
  @EnumSource(UnaryOp.class)
  void scalarDerivativeMatchesCentralDifferences(UnaryOp op) {
    Rng rng = new Rng(7);
    int n = 200;
    float[] x = inputsFor(op, rng, n);
    for (int i = 0; i < n; i++) {
      if (Math.abs(x[i]) < 0.05f) x[i] += 0.1f;   // keep relu/abs kinks out of the stencil
    }
    float[] y = new float[n];
    ELEMENTWISE_SCALAR.unary(op, n, x, 0, y, 0);
    float[] dy = new float[n];
    Arrays.fill(dy, 1f);
    float[] dx = new float[n];
    ELEMENTWISE_SCALAR.unaryBackward(op, n, x, 0, y, 0, dy, 0, dx, 0, false);
    for (int i = 0; i < n; i++) {
      double h = 1e-3 * Math.max(1.0, Math.abs(x[i]));
      float[] pm = {(float) (x[i] + h), (float) (x[i] - h)};
      float[] f = new float[2];
      ELEMENTWISE_SCALAR.unary(op, 2, pm, 0, f, 0);
      double fd = ((double) f[0] - f[1]) / ((double) pm[0] - pm[1]);
      double tol = 2e-3 * Math.max(1.0, Math.abs(fd)) + 1e-4 * Math.abs(y[i]) / h * 1e-3;
      assertTrue(Math.abs(dx[i] - fd) <= tol,
          op + "'(" + x[i] + ") = " + dx[i] + " but the central difference gives " + fd);
    }
  }

  @Test
  void backwardAccumulatesAndHonoursOffsets() {
    float[] x = {9, 1, 2, 3};
    float[] y = {9, 1, 4, 9};           // SQUARE's outputs
    float[] dy = {9, 9, 1, 0.5f};
    float[] dx = {7, 7, 10, 10};
    ELEMENTWISE_SCALAR.unaryBackward(UnaryOp.SQUARE, 2, x, 2, y, 2, dy, 2, dx, 2, true);
    assertArrayEquals(new float[] {7, 7, 14, 13}, dx);
    ELEMENTWISE_VECTOR.unaryBackward(UnaryOp.SQUARE, 2, x, 2, y, 2, dy, 2, dx, 2, false);
    assertArrayEquals(new float[] {7, 7, 4, 3}, dx);
  }

  // ---------------------------------------------------------------- vector against scalar

  @ParameterizedTest
  @EnumSource(UnaryOp.class)
  void vectorUnaryMatchesScalar(UnaryOp op) {
    Rng rng = new Rng(11 + op.ordinal());
    float[] tol = tolerance(op);
    for (int n : LENGTHS) {
      float[] x = pad(inputsFor(op, rng, n), X_OFF);
      float[] expected = new float[n + OUT_OFF];
      float[] actual = new float[n + OUT_OFF];
      ELEMENTWISE_SCALAR.unary(op, n, x, X_OFF, expected, OUT_OFF);
      ELEMENTWISE_VECTOR.unary(op, n, x, X_OFF, actual, OUT_OFF);
      assertClose(op + " n=" + n, expected, actual, tol[0], tol[1]);
    }
  }

  @ParameterizedTest
  @EnumSource(UnaryOp.class)
  void vectorUnaryBackwardMatchesScalar(UnaryOp op) {
    Rng rng = new Rng(23 + op.ordinal());
    float[] tol = tolerance(op);
    for (int n : LENGTHS) {
      float[] x = pad(inputsFor(op, rng, n), X_OFF);
      float[] y = new float[n + X_OFF];
      ELEMENTWISE_SCALAR.unary(op, n, x, X_OFF, y, X_OFF);
      float[] dy = pad(gaussian(rng, n, 1f), X_OFF);
      for (boolean accumulate : new boolean[] {false, true}) {
        float[] expected = pad(gaussian(new Rng(n), n, 1f), OUT_OFF);
        float[] actual = expected.clone();
        ELEMENTWISE_SCALAR.unaryBackward(op, n, x, X_OFF, y, X_OFF, dy, X_OFF, expected, OUT_OFF, accumulate);
        ELEMENTWISE_VECTOR.unaryBackward(op, n, x, X_OFF, y, X_OFF, dy, X_OFF, actual, OUT_OFF, accumulate);
        // a derivative carries the forward's tolerance, scaled by its larger magnitude
        assertClose(op + "' n=" + n + " acc=" + accumulate, expected, actual, 4 * tol[0], 4 * tol[1]);
      }
    }
  }

  @ParameterizedTest
  @EnumSource(BinaryOp.class)
  void vectorBinaryMatchesScalarForEveryBroadcast(BinaryOp op) {
    Rng rng = new Rng(31 + op.ordinal());
    for (int n : LENGTHS) {
      // same shape, a row of b per row of out, a scalar, and both operands repeating
      for (int[] lens : broadcastCases(n)) {
        checkBinary(op, n, lens[0], lens[1], rng);
        checkBinary(op, n, lens[1], lens[0], rng);
      }
    }
  }

  static int[][] broadcastCases(int n) {
    int row = largestDivisorAtMost(n, 2 * VLEN + 1);
    int inner = largestDivisorAtMost(row, VLEN - 1);
    return new int[][] {{n, n}, {n, row}, {n, 1}, {1, 1}, {row, inner}, {row, 1}};
  }

  static int largestDivisorAtMost(int n, int limit) {
    for (int d = Math.min(n, Math.max(1, limit)); d > 1; d--) if (n % d == 0) return d;
    return 1;
  }

  static void checkBinary(BinaryOp op, int n, int aLen, int bLen, Rng rng) {
    float[] a = pad(gaussian(rng, aLen, 2f), X_OFF);
    float[] b = pad(gaussian(rng, bLen, 2f), OUT_OFF);
    float[] expected = new float[n + 1];
    float[] actual = new float[n + 1];
    ELEMENTWISE_SCALAR.binary(op, n, a, X_OFF, aLen, b, OUT_OFF, bLen, expected, 1);
    ELEMENTWISE_VECTOR.binary(op, n, a, X_OFF, aLen, b, OUT_OFF, bLen, actual, 1);
    // +, -, ·, /, max, min round the same way lanewise: the results are bitwise equal
    assertArrayEquals(expected, actual, op + " n=" + n + " aLen=" + aLen + " bLen=" + bLen);
  }

  @Test
  void vectorBinaryPropagatesNaNAndInfinity() {
    int n = 3 * VLEN + 3;
    float[] a = gaussian(new Rng(3), n, 1f);
    float[] b = gaussian(new Rng(4), n, 1f);
    a[1] = Float.NaN;
    b[VLEN + 2] = Float.NaN;
    a[2 * VLEN] = Float.POSITIVE_INFINITY;
    b[2 * VLEN] = Float.POSITIVE_INFINITY;
    a[n - 1] = Float.NaN;
    for (BinaryOp op : BinaryOp.values()) {
      float[] expected = new float[n];
      float[] actual = new float[n];
      ELEMENTWISE_SCALAR.binary(op, n, a, 0, n, b, 0, n, expected, 0);
      ELEMENTWISE_VECTOR.binary(op, n, a, 0, n, b, 0, n, actual, 0);
      assertArrayEquals(expected, actual, op.name());
      assertTrue(Float.isNaN(actual[1]) && Float.isNaN(actual[VLEN + 2]) && Float.isNaN(actual[n - 1]), op + " keeps NaN");
    }
  }

  @Test
  void vectorAxpyAndScaleMatchScalar() {
    Rng rng = new Rng(5);
    for (int n : LENGTHS) {
      float[] x = pad(gaussian(rng, n, 1f), X_OFF);
      float[] y = pad(gaussian(rng, n, 1f), OUT_OFF);
      float[] expected = y.clone();
      float[] actual = y.clone();
      ELEMENTWISE_SCALAR.axpy(n, -0.37f, x, X_OFF, expected, OUT_OFF);
      ELEMENTWISE_VECTOR.axpy(n, -0.37f, x, X_OFF, actual, OUT_OFF);
      // the vector kernel fuses the multiply-add: one rounding instead of two
      assertClose("axpy n=" + n, expected, actual, 1e-7f, 2e-7f);
      ELEMENTWISE_SCALAR.scale(n, 1.7f, expected, OUT_OFF);
      ELEMENTWISE_VECTOR.scale(n, 1.7f, actual, OUT_OFF);
      assertClose("scale n=" + n, expected, actual, 1e-7f, 4e-7f);
      assertEquals(y[OUT_OFF - 1], actual[OUT_OFF - 1], "nothing before the offset is written");
    }
  }

  @Test
  void vectorAdamwMatchesScalarOverSeveralSteps() {
    Rng rng = new Rng(9);
    for (int n : LENGTHS) {
      float[] p = pad(gaussian(rng, n, 1f), X_OFF);
      float[] m = new float[n + X_OFF];
      float[] v = new float[n + X_OFF];
      float[] ps = p.clone(), ms = m.clone(), vs = v.clone();
      for (int t = 1; t <= 3; t++) {
        float[] g = pad(gaussian(rng, n, 0.1f), OUT_OFF);
        float bc1 = 1f - (float) Math.pow(0.9, t), bc2 = 1f - (float) Math.pow(0.999, t);
        OPTIMIZER_SCALAR.adamw(n, ps, X_OFF, g, OUT_OFF, ms, X_OFF, vs, X_OFF, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, bc1, bc2, 1f);
        OPTIMIZER_VECTOR.adamw(n, p, X_OFF, g, OUT_OFF, m, X_OFF, v, X_OFF, 1e-2f, 0.9f, 0.999f, 1e-8f, 0.1f, bc1, bc2, 1f);
      }
      assertClose("adamw p n=" + n, ps, p, 1e-6f, 1e-6f);
      assertClose("adamw m n=" + n, ms, m, 1e-7f, 1e-6f);
      assertClose("adamw v n=" + n, vs, v, 1e-9f, 1e-6f);
    }
  }

  @Test
  void parallelKernelsGiveTheSameBitsForOneAndTwoThreads() {
    int n = 200_003;
    float[] x = gaussian(new Rng(1), n, 2f);
    float[] b = gaussian(new Rng(2), 1000 + 3, 1f);
    float[][] one = runParallelKernels(1, x, b, n);
    float[][] two = runParallelKernels(2, x, b, n);
    for (int k = 0; k < one.length; k++) assertArrayEquals(one[k], two[k], "kernel #" + k);
  }

  static float[][] runParallelKernels(int threads, float[] x, float[] b, int n) {
    Parallel.setThreads(threads);
    float[] gelu = new float[n];
    ELEMENTWISE_VECTOR.unary(UnaryOp.GELU_TANH, n, x, 0, gelu, 0);
    float[] dgelu = new float[n];
    ELEMENTWISE_VECTOR.unaryBackward(UnaryOp.GELU_ERF, n, x, 0, gelu, 0, x, 0, dgelu, 0, false);
    float[] sum = new float[n - 3];
    ELEMENTWISE_VECTOR.binary(BinaryOp.ADD, n - 3, x, 3, n - 3, b, 3, 1000, sum, 0);
    float[] y = x.clone();
    ELEMENTWISE_VECTOR.axpy(n, 0.5f, x, 0, y, 0);
    float[] p = x.clone(), m = new float[n], v = new float[n];
    OPTIMIZER_VECTOR.adamw(n, p, 0, x, 0, m, 0, v, 0, 1e-3f, 0.9f, 0.999f, 1e-8f, 0.1f, 0.1f, 0.001f, 1f);
    return new float[][] {gelu, dgelu, sum, y, p, m, v};
  }

  /** exp, log and tanh over their whole float range, in ulps of the correctly rounded value. */
  @Test
  void vectorTranscendentalsStayWithinTwoUlpsEverywhere() {
    int n = 200_000;
    float[] x = new float[n];
    for (UnaryOp op : new UnaryOp[] {UnaryOp.EXP, UnaryOp.LOG, UnaryOp.TANH}) {
      for (int i = 0; i < n; i++) {
        double t = (double) i / (n - 1);
        x[i] = switch (op) {
          case EXP -> (float) (-104 + t * (88.72 + 104));                 // 0 .. MAX_VALUE
          case LOG -> (float) Math.pow(2, -149 + t * (128 + 149));        // subnormals .. 2^128
          default -> (float) (-12 + t * 24);
        };
      }
      float[] actual = new float[n];
      ELEMENTWISE_VECTOR.unary(op, n, x, 0, actual, 0);
      for (int i = 0; i < n; i++) {
        float expected = UnaryOpReference.apply(op, x[i]);
        float ulps = Math.abs(actual[i] - expected) / Math.ulp(expected);
        if (!(actual[i] == expected || ulps <= 2f || Math.abs(actual[i] - expected) <= 2 * Float.MIN_VALUE)) {
          fail(op + "(" + x[i] + ") = " + actual[i] + ", correctly rounded " + expected + ": " + ulps + " ulps");
        }
      }
    }
  }

  /** The same call gives the same bits before and after the JIT compiles the kernel. */
  @Test
  void vectorTranscendentalsDoNotChangeWhenTheJitCompiles() {
    float[] x = gaussian(new Rng(77), 4096, 3f);
    for (UnaryOp op : new UnaryOp[] {UnaryOp.TANH, UnaryOp.GELU_ERF, UnaryOp.LOG}) {
      float[] in = op == UnaryOp.LOG ? inputsFor(op, new Rng(78), 4096) : x;
      float[] first = new float[in.length];
      ELEMENTWISE_VECTOR.unary(op, in.length, in, 0, first, 0);
      float[] again = new float[in.length];
      for (int k = 0; k < 1000; k++) {
        ELEMENTWISE_VECTOR.unary(op, in.length, in, 0, again, 0);
        assertArrayEquals(first, again, op + " changed on call " + k);
      }
    }
  }

  /** The correctly rounded reference: Math in double, rounded once. */
  static final class UnaryOpReference {
    static float apply(UnaryOp op, float x) {
      return switch (op) {
        case EXP -> (float) Math.exp(x);
        case LOG -> (float) Math.log(x);
        case TANH -> (float) Math.tanh(x);
        default -> throw new IllegalArgumentException(op.name());
      };
    }
  }

  /** {@code values} after {@code off} leading zeros (so kernels must honour the offset). */
  static float[] pad(float[] values, int off) {
    float[] a = new float[values.length + off];
    System.arraycopy(values, 0, a, off, values.length);
    return a;
  }
}
