package org.jlora.engine.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jlora.engine.AdamHyper;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A step recorded once and replayed must compute what running it again would: checked on a
 * least-squares step written straight in kernels (no autograd), and the capture's three rules
 * (no host access to kernel-owned values, no values returned to the host, no persistent state
 * born inside the step) each refused.
 */
class StepCaptureTest {

  /** One step of minimising sum((x·w)²) with AdamW: x [4, 8] (a per-step input), w [8, 3]. */
  private static final class LeastSquares {
    final Tensor x = Tensor.zeros(4, 8);
    final Tensor w = Tensor.randn(new Rng(7), 0f, 0.5f, 8, 3);
    final Tensor m = Tensor.zeros(8, 3);
    final Tensor v = Tensor.zeros(8, 3);
    final Tensor hyper = AdamHyper.allocate();
    Tensor loss;
    int t;

    /** The host's part before a step: this step's inputs and the optimizer's scalars. */
    void prepare(Rng data) {
      float[] xs = new float[32];
      for (int i = 0; i < xs.length; i++) xs[i] = data.nextGaussian();
      x.copyFrom(Tensor.of(xs, 4, 8));
      t++;
      AdamHyper.write(hyper, 0.05f, 0.9f, 0.999f, 1e-8f, 0.01f,
          (float) (1 - Math.pow(0.9, t)), (float) (1 - Math.pow(0.999, t)), 1f);
    }

    /** The kernels of a step; every buffer but the state is allocated here, as autograd would. */
    void kernels() {
      Backend be = Backends.current();
      Tensor y = Tensor.zeros(4, 3);
      be.matmul().matmul(x, false, w, false, y, false);               // y [4, 3] = x·w
      loss = Tensor.zeros(1);
      be.reductions().sumOfSquares(List.of(y), loss);                  // loss = sum(y²)
      Tensor dy = Tensor.zeros(4, 3);
      be.elementwise().axpy(2f, y, dy);                                // dy = 2y
      Tensor dw = Tensor.zeros(8, 3);
      be.matmul().matmul(x, true, dy, false, dw, true);                // dw += xᵀ·dy
      be.optimizer().adamw(w, dw, m, v, hyper);
    }
  }

  @Test
  void replayComputesWhatRunningTheStepAgainWould() {
    LeastSquares eager = new LeastSquares();
    LeastSquares captured = new LeastSquares();
    Rng eagerData = new Rng(1);
    Rng capturedData = new Rng(1);

    eager.prepare(eagerData);
    eager.kernels();
    captured.prepare(capturedData);
    CapturedProgram program;
    Backend before = Backends.current();
    try (StepCapture capture = StepCapture.begin(List.of(captured.x, captured.hyper))) {
      captured.kernels();
      program = capture.end(List.of(), List.of(captured.loss), List.of(captured.w, captured.m, captured.v));
    }
    assertSame(before, Backends.current(), "the capture puts the backend back");
    assertArrayEquals(eager.w.toArray(), captured.w.toArray(), "the recorded step ran for real");
    // 4 allocations (fills) + matmul, sumSquares, axpy, matmul, adamw
    assertEquals(9, program.calls().size(), program.calls().toString());
    assertEquals(4, program.temporaries().size());

    CompiledStep step = StepCompiler.forBackend(Backends.current()).compile(program, Backends.current());
    for (int s = 0; s < 3; s++) {
      eager.prepare(eagerData);
      eager.kernels();
      captured.prepare(capturedData);
      step.run();
      // bit for bit: the same kernels on the same values; the fills restart the accumulators
      assertArrayEquals(eager.loss.toArray(), captured.loss.toArray(), "loss at step " + (s + 2));
      assertArrayEquals(eager.w.toArray(), captured.w.toArray(), "w at step " + (s + 2));
      assertArrayEquals(eager.v.toArray(), captured.v.toArray(), "v at step " + (s + 2));
    }
    assertTrue(step.describe().contains("replaying the recorded step: 9 kernel calls"), step.describe());
    assertTrue(step.describe().contains("2 fills skipped"), step.describe());
  }

  /**
   * y and loss start as fills their kernels overwrite (a matmul without accumulate, a sum of
   * squares): a replay skips those; dy (axpy adds into it) and dw (a matmul that accumulates)
   * keep theirs.
   */
  @Test
  void aReplaySkipsOnlyTheFillsTheNextKernelOverwrites() {
    LeastSquares ls = new LeastSquares();
    ls.prepare(new Rng(1));
    CapturedProgram program;
    try (StepCapture capture = StepCapture.begin(List.of(ls.x, ls.hyper))) {
      ls.kernels();
      program = capture.end(List.of(), List.of(ls.loss), List.of(ls.w, ls.m, ls.v));
    }
    boolean[] redundant = program.redundantFills();
    assertArrayEquals(new boolean[] {true, false, true, false, false, false, false, false, false}, redundant,
        program.calls().toString());
    assertEquals(List.of(), WholeWrites.unresolved(), "every listed kernel still has that signature");
  }

  /** A fill before an in-place kernel, or before one that writes only part of the buffer, stays. */
  @Test
  void aFillBeforeAnInPlaceOrPartialWriteIsKept() {
    Tensor x = Tensor.ones(8);
    CapturedProgram program;
    try (StepCapture capture = StepCapture.begin(List.of())) {
      Tensor inPlace = Tensor.zeros(8);
      Backends.current().elementwise().unary(org.jlora.engine.UnaryOp.EXP, inPlace, inPlace);
      Tensor halves = Tensor.zeros(2, 4);
      Backends.current().elementwise().unary(org.jlora.engine.UnaryOp.EXP, x.reshape(2, 4).rows(0, 1),
          halves.rows(0, 1));
      Tensor whole = Tensor.zeros(8);
      Backends.current().elementwise().unary(org.jlora.engine.UnaryOp.EXP, x, whole);
      program = capture.end(List.of(), List.of(), List.of());
    }
    assertArrayEquals(new boolean[] {false, false, false, false, true, false}, program.redundantFills(),
        program.calls().toString());
  }

  /** Poisoned instead of skipped, the fills the replay leaves out change nothing. */
  @Test
  void poisoningTheSkippedFillsChangesNothing() {
    System.setProperty("jlora.replay.poisonSkippedFills", "true");
    try {
      replayComputesWhatRunningTheStepAgainWould();
    } finally {
      System.clearProperty("jlora.replay.poisonSkippedFills");
    }
  }

  @Test
  void readingAKernelsValuesOnTheHostIsRefused() {
    LeastSquares ls = new LeastSquares();
    ls.prepare(new Rng(2));
    Backend before = Backends.current();
    try (StepCapture capture = StepCapture.begin(List.of(ls.x, ls.hyper))) {
      Tensor y = Tensor.zeros(4, 3);
      Backends.current().matmul().matmul(ls.x, false, ls.w, false, y, false);
      IllegalStateException e = assertThrows(IllegalStateException.class, () -> y.get(0));
      assertTrue(e.getMessage().contains("Tensor.get() touched the values"), e.getMessage());
      assertThrows(IllegalStateException.class, () -> ls.w.fill(0f), "a host write to a weight a kernel read");
      ls.x.get(0);   // a declared per-step input stays the host's
    }
    assertSame(before, Backends.current());
  }

  @Test
  void aKernelReturningItsValueToTheHostIsRefused() {
    Tensor x = Tensor.ones(16);
    try (StepCapture capture = StepCapture.begin(List.of())) {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> Backends.current().reductions().sum(x));
      assertTrue(e.getMessage().contains("ReductionKernels.sum returns its result to the host"), e.getMessage());
    }
  }

  @Test
  void stateBornInsideTheStepIsRefusedAsAResult() {
    LeastSquares ls = new LeastSquares();
    ls.prepare(new Rng(3));
    StepCapture capture = StepCapture.begin(List.of(ls.x, ls.hyper));
    ls.kernels();
    Tensor lateMoment = ls.loss;   // allocated inside the step
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> capture.end(List.of(), List.of(), List.of(lateMoment)));
    assertTrue(e.getMessage().contains("allocated inside the step"), e.getMessage());
  }

  @Test
  void anAllocatingConvenienceIsRecordedAsItsKernels() {
    Tensor a = Tensor.randn(new Rng(4), 3, 5);
    Tensor b = Tensor.randn(new Rng(5), 5, 2);
    try (StepCapture capture = StepCapture.begin(List.of())) {
      Backends.current().matmul().matmul(a, false, b, false);
      CapturedProgram p = capture.end(List.of(), List.of(), List.of());
      assertEquals(List.of("ElementwiseKernels.fill", "MatmulKernels.matmul"),
          p.calls().stream().map(KernelCall::name).toList());
    }
  }
}
