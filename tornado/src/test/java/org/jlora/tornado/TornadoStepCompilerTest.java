package org.jlora.tornado;

import static org.jlora.tornado.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.AdamHyper;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ReductionKernels;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.CapturedProgram;
import org.jlora.engine.capture.CompiledStep;
import org.jlora.engine.capture.KernelCall;
import org.jlora.engine.capture.StepCapture;
import org.jlora.engine.capture.StepCompiler;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Captured steps compiled for the device against the same steps replayed on the CPU (the
 * engine's ReplayStep on the vector kernels): losses every step and, after syncToHost, every
 * parameter and moment, within 1e-4, for models 12 blocks deep, LoRA (frozen base) and full,
 * with the graph chain cut small enough that the buffers cross many graphs.
 */
class TornadoStepCompilerTest {
  private static final float TOL = 1e-4f;

  /** A captured model, its program, and the data stream that feeds it. */
  private record Captured(DeepStep model, CapturedProgram program, Rng data) {}

  private static Captured capture(boolean lora, int depth, long seed) {
    DeepStep model = new DeepStep(depth, 16, 16, 32, 24, 4, lora, seed);
    Rng data = new Rng(seed + 1);
    model.prepare(data);
    Backend before = Backends.set(Backends.vector());
    try (StepCapture capture = StepCapture.begin(List.of(model.hyper))) {
      model.kernels();
      CapturedProgram program = capture.end(List.of(model.ids, model.targets), List.of(model.loss, model.gradNorm),
          model.state());
      return new Captured(model, program, data);
    } finally {
      Backends.set(before);
    }
  }

  @ParameterizedTest(name = "lora={0} depth={1} tasksPerGraph={2}")
  @CsvSource({"true, 3, 5", "true, 3, 16", "true, 12, 16", "false, 12, 16"})
  void compiledStepMatchesCpuReplay(boolean lora, int depth, int tasksPerGraph) {
    TornadoRuntime.assumePresent();
    Captured cpu = capture(lora, depth, 11);
    Captured dev = capture(lora, depth, 11);
    CompiledStep replay = StepCompiler.forBackend(Backends.vector()).compile(cpu.program(), Backends.vector());
    try (TornadoCompiledStep step = new TornadoStepCompiler(tasksPerGraph).compile(dev.program(), null)) {
      assertTrue(step.graphCount() > 1, step.describe());
      for (int s = 0; s < 3; s++) {
        cpu.model().prepare(cpu.data());
        replay.run();
        dev.model().prepare(dev.data());
        long t0 = System.nanoTime();
        step.run();
        if (s == 0) System.out.printf("first device run (TornadoVM compiles its graphs): %.1f s%n%s%n", (System.nanoTime() - t0) / 1e9, step.describe());
        assertClose("loss at step " + (s + 2), cpu.model().loss.toArray(), dev.model().loss.toArray(), TOL);
        assertClose("gradient norm at step " + (s + 2), cpu.model().gradNorm.toArray(), dev.model().gradNorm.toArray(), TOL);
      }
      step.syncToHost();
      List<Tensor> expected = cpu.model().state(), actual = dev.model().state();
      for (int i = 0; i < expected.size(); i++) {
        assertClose("state tensor " + i, expected.get(i).toArray(), actual.get(i).toArray(), TOL);
      }
      assertTrue(step.describe().contains("chained graphs"), step.describe());
    }
  }

  @Test
  void theServiceLoaderFindsTheCompilerForTornado() {
    Backend tornado = TornadoRuntime.backend();
    assertInstanceOf(TornadoStepCompiler.class, StepCompiler.forBackend(tornado));
  }

  @Test
  void aCallWithoutADeviceKernelRefusesTheStepByName() throws NoSuchMethodException {
    TornadoRuntime.assumePresent();
    // every family method a step can record has a device kernel now; a recording cannot hold a
    // host-valued sum (the capture refuses it), so the program is written by hand
    Tensor x = Tensor.randn(new Rng(1), 5);
    KernelCall sum = new KernelCall(ReductionKernels.class, ReductionKernels.class.getMethod("sum", Tensor.class),
        new Object[] {x});
    CapturedProgram program = new CapturedProgram(List.of(sum), List.of(), List.of(), List.of(), List.of(), List.of(),
        java.util.Set.of());
    UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class,
        () -> new TornadoStepCompiler().compile(program, null));
    assertTrue(e.getMessage().contains("ReductionKernels.sum"), e.getMessage());
  }

  /**
   * A step with a per-step input per parameter (AdamW's hyper tensors) moves them in one copy: a
   * copy task each would overflow the first graph of a deep model (TornadoVM's 1024 nodes). Its
   * sum of squares over every gradient is one call of 150 tasks, cut across graphs.
   */
  @Test
  void aStepWithAHyperTensorPerParameterRunsAsOnTheCpu() {
    TornadoRuntime.assumePresent();
    int n = 150;
    List<List<Tensor>> sides = new ArrayList<>();
    List<CapturedProgram> programs = new ArrayList<>();
    for (int side = 0; side < 2; side++) {
      Rng rng = new Rng(9);
      List<Tensor> t = new ArrayList<>();   // per parameter: w, g, m, v, hyper
      for (int i = 0; i < n; i++) {
        Tensor h = AdamHyper.allocate();
        AdamHyper.write(h, 1e-2f * (1 + i % 3), 0.9f, 0.999f, 1e-8f, 0.01f, 0.1f, 0.001f, 1f);
        t.addAll(List.of(Tensor.randn(rng, 3 + i % 5), Tensor.randn(rng, 3 + i % 5), Tensor.zeros(3 + i % 5),
            Tensor.zeros(3 + i % 5), h));
      }
      List<Tensor> hypers = new ArrayList<>(), state = new ArrayList<>(), grads = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        hypers.add(t.get(5 * i + 4));
        grads.add(t.get(5 * i + 1));
        state.addAll(List.of(t.get(5 * i), t.get(5 * i + 2), t.get(5 * i + 3)));
      }
      Tensor sumSquares = Tensor.zeros(1);
      t.add(sumSquares);
      Backend before = Backends.set(Backends.vector());
      try (StepCapture capture = StepCapture.begin(hypers)) {
        Backends.current().reductions().sumOfSquares(grads, sumSquares);
        for (int i = 0; i < n; i++) {
          Backends.current().optimizer().adamw(t.get(5 * i), t.get(5 * i + 1), t.get(5 * i + 2), t.get(5 * i + 3),
              t.get(5 * i + 4));
        }
        programs.add(capture.end(List.of(), List.of(sumSquares), state));
      } finally {
        Backends.set(before);
      }
      sides.add(t);
    }
    CompiledStep cpu = StepCompiler.forBackend(Backends.vector()).compile(programs.get(0), Backends.vector());
    try (TornadoCompiledStep dev = new TornadoStepCompiler().compile(programs.get(1), null)) {
      for (int s = 0; s < 2; s++) {
        cpu.run();
        dev.run();
      }
      dev.syncToHost();
    }
    for (int i = 0; i <= 5 * n; i++) {   // w, g, m, v of each parameter, then the sum of squares
      if (i % 5 == 4 && i < 5 * n) continue;
      assertClose("tensor " + i, sides.get(0).get(i).toArray(), sides.get(1).get(i).toArray(), TOL);
    }
  }

  @Test
  void buffersBeyondTheDeviceHeapAreRefusedUpFront() {
    TornadoRuntime.assumePresent();
    Captured c = capture(true, 1, 5);
    String old = System.getProperty("tornado.device.memory");
    System.setProperty("tornado.device.memory", "1KB");
    try {
      IllegalStateException e = assertThrows(IllegalStateException.class,
          () -> new TornadoStepCompiler().compile(c.program(), null));
      assertTrue(e.getMessage().contains("-Dtornado.device.memory="), e.getMessage());
    } finally {
      if (old == null) System.clearProperty("tornado.device.memory"); else System.setProperty("tornado.device.memory", old);
    }
  }

  /** Per-step timings on this device: compiled step, kernel by kernel, and the vector backend. */
  @Test
  void timings() {
    Backend tornado = TornadoRuntime.backend();
    int depth = 12, steps = 5;
    Captured dev = capture(true, depth, 21);
    Captured vec = capture(true, depth, 21);
    Captured kbk = capture(true, depth, 21);
    CompiledStep vector = StepCompiler.forBackend(Backends.vector()).compile(vec.program(), Backends.vector());
    CompiledStep kernelByKernel = StepCompiler.forBackend(Backends.vector()).compile(kbk.program(), tornado);
    List<String> lines = new ArrayList<>();
    try (TornadoCompiledStep step = new TornadoStepCompiler().compile(dev.program(), null)) {
      long[] ns = new long[3];
      for (int s = 0; s < steps + 1; s++) {   // the first round warms up (compiles the graphs)
        long t0 = System.nanoTime();
        dev.model().prepare(dev.data());
        step.run();
        long t1 = System.nanoTime();
        kbk.model().prepare(kbk.data());
        kernelByKernel.run();
        long t2 = System.nanoTime();
        vec.model().prepare(vec.data());
        vector.run();
        long t3 = System.nanoTime();
        if (s > 0) { ns[0] += t1 - t0; ns[1] += t2 - t1; ns[2] += t3 - t2; }
      }
      lines.add(step.describe());
      lines.add(String.format("per step (mean of %d, depth %d, LoRA, %d kernel calls): device-compiled %.2f ms, "
          + "kernel-by-kernel %.2f ms, vector %.2f ms", steps, depth, dev.program().calls().size(),
          ns[0] / 1e6 / steps, ns[1] / 1e6 / steps, ns[2] / 1e6 / steps));
      assertClose("kernel-by-kernel loss", vec.model().loss.toArray(), kbk.model().loss.toArray(), TOL);
    }
    lines.forEach(System.out::println);
    assertEquals(2, lines.size());
  }
}
