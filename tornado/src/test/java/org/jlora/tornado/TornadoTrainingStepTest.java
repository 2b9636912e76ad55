package org.jlora.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.GELU;
import org.jlora.autograd.nn.LayerNorm;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.nn.Sequential;
import org.jlora.autograd.optim.AdamW;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * One training step of a small MLP (Linear, LayerNorm, GELU, Linear, cross-entropy, AdamW) on the
 * tornado backend against the same step on the CPU backend: the loss and every updated weight
 * agree within 1e-4 relative.
 */
class TornadoTrainingStepTest {
  private static final int BATCH = 12;
  private static final int IN = 24;
  private static final int HIDDEN = 40;
  private static final int CLASSES = 7;
  private static final float REL = 1e-4f;

  /** The loss of the step and every parameter after it, in the model's order. */
  private record Step(float loss, List<float[]> weights) {}

  @Test
  void stepMatchesCpu() {
    TornadoRuntime.assumePresent();
    Step cpu = stepOn("vector");
    long runsBefore = DeviceGraph.runs();
    Step device = stepOn("tornado");
    // forward 2 matmuls, backward 4, plus LayerNorm, GELU, softmax and one AdamW per parameter
    long runs = DeviceGraph.runs() - runsBefore;
    assertTrue(runs >= 6 + 2 + 2 + 1 + 6, "only " + runs + " kernel graphs ran on the device");
    assertClose("loss", cpu.loss, device.loss);
    assertEquals(cpu.weights.size(), device.weights.size());
    for (int p = 0; p < cpu.weights.size(); p++) {
      float[] e = cpu.weights.get(p);
      float[] a = device.weights.get(p);
      for (int i = 0; i < e.length; i++) assertClose("parameter " + p + " [" + i + "]", e[i], a[i]);
    }
  }

  private static Step stepOn(String backend) {
    Backend previous = Backends.use(backend);
    try {
      assertEquals(backend, Backends.current().name());
      Rng rng = new Rng(2024);
      Module model = new Sequential(new Linear(IN, HIDDEN, true, rng), new LayerNorm(HIDDEN),
          new GELU(true), new Linear(HIDDEN, CLASSES, true, rng));
      Variable x = Variable.constant(Tensor.randn(rng, BATCH, IN));
      int[] targets = new int[BATCH];
      for (int i = 0; i < BATCH; i++) targets[i] = rng.nextInt(CLASSES);
      AdamW opt = new AdamW(model.parameters(), 1e-2f, 0.01f);
      Variable loss = F.crossEntropy(model.forward(x), targets, -1);
      loss.backward();
      opt.step();
      List<float[]> weights = new ArrayList<>();
      for (Parameter p : model.parameters()) weights.add(p.value().toArray());
      return new Step(loss.value().item(), weights);
    } finally {
      Backends.set(previous);
    }
  }

  private static void assertClose(String what, float expected, float actual) {
    if (!(Math.abs(actual - expected) <= REL * Math.max(Math.abs(expected), 1e-3f))) {
      fail(what + ": cpu " + expected + " but tornado " + actual + " (relative tolerance " + REL + ")");
    }
  }
}
