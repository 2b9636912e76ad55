package org.jlora.engine;

import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Matmul with one bf16 operand (a frozen weight): on each backend the product must equal, bit for
 * bit, the f32 product of the widened matrix (widening is exact and the kernels widen while
 * packing, in the same order), on every path of the vector kernel (thin k, thin n, one row,
 * blocked with edge tiles and several K-blocks), for every orientation, batched or not, at an
 * offset into storage; and the two backends must agree to within float rounding.
 */
class MatmulBf16Test {
  private final int savedThreads = Parallel.threads();

  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(savedThreads);
  }

  /** Shapes {m, n, k} that take each path of the vector kernel, with awkward edges. */
  private static final int[][] SHAPES = {
      {37, 45, 9},      // k <= 16: thin k
      {37, 19, 70},     // n <= 32: thin n
      {1, 200, 150},    // one row, B stored [k, n]: streamed (transB takes the blocked path)
      {50, 77, 300},    // blocked: MR and NR edges, three K-blocks of 128
      {1, 77, 300},     // one row: streamed for B stored [k, n], blocked for B stored [n, k]
      {260, 130, 200},  // blocked, big enough to run in parallel
      {37, 1, 70},      // one column, A stored [m, k]: streamed rows, groups of 4 and 8 and a tail
      {1003, 1, 150},   // one column, in parallel (transA takes the thin-n path)
      {1, 4200, 35},    // one row, B stored [k, n]: two column blocks, k mod 4 rows one at a time
  };

  record Problem(int batch, int m, int n, int k, boolean transA, boolean transB, boolean shareB, boolean accumulate) {
    @Override
    public String toString() {
      return "batch=" + batch + " m=" + m + " n=" + n + " k=" + k + " transA=" + transA + " transB=" + transB
          + " shareB=" + shareB + " accumulate=" + accumulate;
    }
  }

  static Stream<Problem> problems() {
    List<Problem> out = new ArrayList<>();
    for (int[] s : SHAPES) {
      for (int t = 0; t < 4; t++) {
        out.add(new Problem(1, s[0], s[1], s[2], (t & 1) != 0, (t & 2) != 0, true, t == 3));
      }
    }
    // a batch sharing one weight (a layer over [batch, T, in]) and a batch of distinct matrices
    out.add(new Problem(3, 5, 40, 33, false, true, true, false));
    out.add(new Problem(3, 5, 40, 33, true, false, false, true));
    return out.stream();
  }

  /** A bf16 tensor of N(0, 1) values rounded to bf16, {@code offset} elements into its storage. */
  private static Tensor bf16(Rng rng, int offset, int... shape) {
    int n = Shapes.size(shape);
    short[] bits = new short[offset + n + 3];
    for (int i = 0; i < bits.length; i++) bits[i] = Bf16.fromFloat(rng.nextGaussian());
    return Tensor.on(new HostBf16(bits), offset, shape);
  }

  /** The product into a fresh copy of {@code c0}'s values. */
  private static Tensor run(Backend be, Problem p, Tensor a, Tensor b, Tensor c0) {
    Tensor c = c0.copy();
    be.matmul().matmul(p.batch, p.m, p.n, p.k, a, p.transA, b, p.transB, p.shareB, c, p.accumulate);
    return c;
  }

  @ParameterizedTest
  @MethodSource("problems")
  void aBf16WeightAsBEqualsTheWidenedProduct(Problem p) {
    Rng rng = new Rng(7);
    Tensor a = KernelFixtures.randn(rng, 1f, 3, p.batch * p.m * p.k);
    Tensor b = bf16(rng, 5, (p.shareB ? 1 : p.batch) * p.k * p.n);
    Tensor c0 = Tensor.randn(rng, p.batch * p.m * p.n);
    for (Backend be : List.of(Backends.scalar(), Backends.vector())) {
      assertSameBits(be.name() + " " + p, run(be, p, a, b.toF32(), c0), run(be, p, a, b, c0));
    }
    assertTwinsAgree(p, run(Backends.scalar(), p, a, b, c0), run(Backends.vector(), p, a, b, c0), a, b, c0);
  }

  @ParameterizedTest
  @MethodSource("problems")
  void aBf16WeightAsAEqualsTheWidenedProduct(Problem given) {
    // a bf16 A is read stored [m, k] only (the weight in W·xᵀ)
    Problem p = new Problem(given.batch, given.m, given.n, given.k, false, given.transB, given.shareB, given.accumulate);
    Rng rng = new Rng(8);
    Tensor a = bf16(rng, 2, p.batch * p.m * p.k);
    Tensor b = KernelFixtures.randn(rng, 1f, 4, (p.shareB ? 1 : p.batch) * p.k * p.n);
    Tensor c0 = Tensor.randn(rng, p.batch * p.m * p.n);
    for (Backend be : List.of(Backends.scalar(), Backends.vector())) {
      assertSameBits(be.name() + " " + p, run(be, p, a.toF32(), b, c0), run(be, p, a, b, c0));
    }
    assertTwinsAgree(p, run(Backends.scalar(), p, a, b, c0), run(Backends.vector(), p, a, b, c0), a, b, c0);
  }

  @Test
  void aLinearLayersThreeProductsReadTheBf16WeightInPlace() {
    // forward y = x·Wᵀ, backward dX = dY·W, and generation's one row yᵀ = W·xᵀ, with W [out, in]
    int rows = 70, in = 150, out = 90;
    Rng rng = new Rng(9);
    Tensor w = bf16(rng, 0, out, in);
    Tensor x = Tensor.randn(rng, rows, in);
    Tensor dy = Tensor.randn(rng, rows, out);
    Tensor x1 = Tensor.randn(rng, 1, in);
    MatmulKernels mm = Backends.vector().matmul();
    assertSameBits("x·Wᵀ", mm.matmul(x, false, w.toF32(), true), mm.matmul(x, false, w, true));
    assertSameBits("dY·W", mm.matmul(dy, false, w.toF32(), false), mm.matmul(dy, false, w, false));
    assertSameBits("W·xᵀ", mm.matmul(w.toF32(), false, x1, true), mm.matmul(w, false, x1, true));
  }

  @Test
  void resultsDoNotDependOnTheThreadCount() {
    Rng rng = new Rng(10);
    Tensor w = bf16(rng, 0, 300, 260);
    Tensor x = Tensor.randn(rng, 200, 260);
    Tensor row = Tensor.randn(rng, 1, 300);
    Tensor column = Tensor.randn(rng, 1, 260);
    MatmulKernels mm = Backends.vector().matmul();
    Tensor many = mm.matmul(x, false, w, true);
    Tensor streamed = mm.matmul(row, false, w, false);
    Tensor dots = mm.matmul(w, false, column, true);
    Parallel.setThreads(1);
    assertSameBits("blocked", mm.matmul(x, false, w, true), many);
    assertSameBits("one row", mm.matmul(row, false, w, false), streamed);
    assertSameBits("one column", mm.matmul(w, false, column, true), dots);
  }

  @Test
  void refusesTwoBf16OperandsAndATransposedBf16A() {
    Tensor w = Tensor.ofBf16(new short[12], 3, 4);
    MatmulKernels mm = Backends.vector().matmul();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> mm.matmul(w, true, w, false));
    assertTrue(e.getMessage().contains("both bf16"), e.getMessage());
    e = assertThrows(IllegalStateException.class, () -> mm.matmul(w, true, Tensor.zeros(3, 5), false));
    assertTrue(e.getMessage().contains("a is bf16 and read transposed") && e.getMessage().contains("toF32()"),
        e.getMessage());
  }

  /**
   * The scalar and vector results differ only by the order of float rounding: within
   * {@code 2·gamma_(k+1)·(|c0| + Σ|a·b|)} (Higham's bound for each, against the exact sum).
   */
  private static void assertTwinsAgree(Problem p, Tensor scalar, Tensor vector, Tensor a, Tensor b, Tensor c0) {
    double u = 0x1p-24, gamma = (p.k + 1) * u / (1 - (p.k + 1) * u);
    for (int bat = 0; bat < p.batch; bat++) {
      for (int i = 0; i < p.m; i++) {
        for (int j = 0; j < p.n; j++) {
          int ci = bat * p.m * p.n + i * p.n + j;
          double abs = p.accumulate ? Math.abs(c0.get(ci)) : 0;
          for (int q = 0; q < p.k; q++) {
            float aiq = a.get(bat * p.m * p.k + (p.transA ? q * p.m + i : i * p.k + q));
            float bqj = b.get((p.shareB ? 0 : bat * p.k * p.n) + (p.transB ? j * p.k + q : q * p.n + j));
            abs += Math.abs((double) aiq * bqj);
          }
          double err = Math.abs((double) scalar.get(ci) - vector.get(ci));
          if (!(err <= 2 * gamma * abs)) {
            fail(p + ": C[" + ci + "] scalar " + scalar.get(ci) + " vector " + vector.get(ci));
          }
        }
      }
    }
  }
}
