package org.jlora.engine.capture;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.Rng;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;
import org.junit.jupiter.api.Test;

/**
 * The arena a replay keeps its temporaries in: buffers whose lifetimes overlap never share
 * memory, buffers whose lifetimes do not may, what the host reads is never moved, and a replay in
 * the arena computes what the recorded step computed.
 */
class BufferPlanTest {

  /**
   * A chain of n layers, each making two temporaries: h = tanh(x + b_i) then x' = h · h. Each
   * layer's buffers die two calls later, so a planned arena needs a few buffers, not 2n.
   */
  private static final class Chain {
    final Tensor input = Tensor.zeros(64);
    final List<Tensor> biases = new ArrayList<>();
    Tensor out;

    Chain(int layers) {
      Rng rng = new Rng(3);
      for (int i = 0; i < layers; i++) biases.add(Tensor.randn(rng, 0f, 0.3f, 64));
    }

    void run() {
      Backend be = Backends.current();
      Tensor x = input;
      for (Tensor b : biases) {
        Tensor h = Tensor.zeros(64);
        be.elementwise().binary(BinaryOp.ADD, x, b, h);
        be.elementwise().unary(UnaryOp.TANH, h, h);
        Tensor next = Tensor.zeros(64);
        be.elementwise().binary(BinaryOp.MUL, h, h, next);
        x = next;
      }
      out = Tensor.zeros(64);
      be.elementwise().copy(x, out);
    }
  }

  private static CapturedProgram capture(Chain chain) {
    try (StepCapture capture = StepCapture.begin(List.of(chain.input))) {
      chain.run();
      return capture.end(List.of(), List.of(chain.out), List.of());
    }
  }

  @Test
  void buffersThatLiveAtTheSameCallNeverOverlap() {
    Chain chain = new Chain(12);
    CapturedProgram program = capture(chain);
    BufferPlan plan = BufferPlan.of(program);
    // lifetimes in call indices
    Map<Storage, int[]> life = new IdentityHashMap<>();
    for (int i = 0; i < program.calls().size(); i++) {
      for (Tensor t : program.calls().get(i).tensors()) {
        life.computeIfAbsent(t.storage(), s -> new int[] {Integer.MAX_VALUE, -1});
        int[] span = life.get(t.storage());
        span[0] = Math.min(span[0], i);
        span[1] = Math.max(span[1], i);
      }
    }
    List<Storage> placed = new ArrayList<>();
    for (Storage s : life.keySet()) if (plan.places(s)) placed.add(s);
    assertEquals(24, placed.size(), "every temporary but the output is placed");
    for (Storage a : placed) {
      for (Storage b : placed) {
        if (a == b) continue;
        boolean bothLive = life.get(a)[0] <= life.get(b)[1] && life.get(b)[0] <= life.get(a)[1];
        long a0 = plan.offset(a), a1 = a0 + a.length(), b0 = plan.offset(b), b1 = b0 + b.length();
        boolean overlap = a0 < b1 && b0 < a1;
        assertFalse(bothLive && overlap, "buffers live at the same call share memory");
        assertEquals(0, plan.offset(a) % BufferPlan.ALIGN, "regions start on a cache line");
      }
    }
    // 24 buffers of 64 floats, at most three live at once
    assertEquals(24 * 64, plan.unplannedFloats());
    assertTrue(plan.arenaFloats() <= 3 * 64, "arena of " + plan.arenaFloats() + " floats");
  }

  @Test
  void whatTheHostReadsIsNotMoved() {
    Chain chain = new Chain(3);
    CapturedProgram program = capture(chain);
    BufferPlan plan = BufferPlan.of(program);
    assertFalse(plan.places(chain.out.storage()), "the output stays in its own tensor");
    assertFalse(plan.places(chain.input.storage()), "a per-step input is not a temporary");
    for (Tensor b : chain.biases) assertFalse(plan.places(b.storage()), "constants are not temporaries");
  }

  @Test
  void aReplayInTheArenaComputesWhatTheStepComputed() {
    Chain eager = new Chain(12);
    Chain captured = new Chain(12);
    CapturedProgram program = capture(captured);
    CompiledStep step = StepCompiler.forBackend(Backends.current()).compile(program, Backends.current());
    Rng data = new Rng(11);
    for (int s = 0; s < 3; s++) {
      float[] xs = new float[64];
      for (int i = 0; i < xs.length; i++) xs[i] = data.nextGaussian();
      eager.input.copyFrom(Tensor.of(xs, 64));
      captured.input.copyFrom(Tensor.of(xs, 64));
      eager.run();
      step.run();
      assertArrayEquals(eager.out.toArray(), captured.out.toArray(), "output at run " + s);
    }
    assertTrue(step.describe().contains("its 24 temporary buffers share"), step.describe());
  }

  /**
   * The recording notes each temporary by its length only, so a buffer the step is done with is
   * freed during the recording as it would be without one (the recorded step costs no extra memory).
   */
  @Test
  void aRecordingKeepsNoTemporaryAlive() throws InterruptedException {
    Tensor input = Tensor.zeros(1 << 16);
    java.lang.ref.WeakReference<Tensor> temporary;
    CapturedProgram program;
    Tensor out;
    try (StepCapture capture = StepCapture.begin(List.of(input))) {
      Tensor h = Tensor.zeros(1 << 16);
      Backends.current().elementwise().unary(UnaryOp.TANH, input, h);
      out = Tensor.zeros(1 << 16);
      Backends.current().elementwise().unary(UnaryOp.EXP, h, out);
      temporary = new java.lang.ref.WeakReference<>(h);
      h = null;
      program = capture.end(List.of(), List.of(out), List.of());
    }
    for (int i = 0; i < 20 && temporary.get() != null; i++) {
      System.gc();
      Thread.sleep(10);
    }
    assertTrue(temporary.get() == null, "the recording still holds a temporary's array");
    assertEquals(4, program.calls().size(), program.calls().toString());   // fill, tanh, fill, exp
    assertTrue(program.calls().get(0).tensors().get(0).storage() instanceof org.jlora.engine.RecordedBuffer,
        "a temporary is noted as a recorded buffer");
    assertTrue(program.calls().get(3).tensors().get(1).storage() == out.storage(), "the output is the real tensor");
  }
}
