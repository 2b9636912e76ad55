package org.jlora.tornado;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.optim.AdamW;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.GptLora;
import org.jlora.lora.LoraModel;
import org.junit.jupiter.api.Test;

/**
 * LoRA training of the nano GPT (2 layers, 2 heads, 32 dims, block 16; LoRA r 4 on q and v) on the
 * tornado backend against the vector backend, on one fixed batch: each step's loss, the LoRA
 * gradients and the updated LoRA weights agree within 1e-4 relative.
 *
 * <p>Two steps, and lora_B starts random rather than zero: with B = 0 the gradient of A is zero,
 * and Adam's first update is about lr·sign(g) whatever the gradient's size, so one step from the
 * usual init would check little beyond the signs.
 */
class TornadoGptLoraStepTest {
  private static final int VOCAB = 17;
  private static final int BATCH = 2;
  private static final int STEPS = 2;
  private static final float REL = 1e-4f;

  /** Per step: the loss and, by name, each trainable parameter's gradient and its value after the update. */
  private record Run(float[] losses, List<Map<String, float[]>> grads, List<Map<String, float[]>> weights) {}

  @Test
  void loraStepsMatchCpu() {
    TornadoRuntime.assumePresent();
    Run cpu = trainOn("vector");
    long runsBefore = DeviceGraph.runs();
    Run device = trainOn("tornado");
    long runs = DeviceGraph.runs() - runsBefore;
    // per step at least: 4 LoRA'd attention projections' matmuls forward and backward, LayerNorms, softmax
    assertTrue(runs >= 50, "only " + runs + " kernel graphs ran on the device");
    for (int s = 0; s < STEPS; s++) {
      assertClose("step " + s + " loss", cpu.losses[s], device.losses[s]);
      assertAllClose("step " + s + " gradient of ", cpu.grads.get(s), device.grads.get(s));
      assertAllClose("step " + s + " updated ", cpu.weights.get(s), device.weights.get(s));
    }
  }

  private static Run trainOn(String backend) {
    Backend previous = Backends.use(backend);
    try {
      assertEquals(backend, Backends.current().name());
      GptConfig cfg = GptConfig.named("nano", VOCAB);
      Gpt gpt = new Gpt(cfg, 7L);
      LoraModel.inject(gpt, GptLora.queryValue(4, 8f, 0f, 11L));
      Map<String, Parameter> trainable = new LinkedHashMap<>();
      Rng rng = new Rng(2025);
      gpt.namedParameters().forEach((name, p) -> {
        if (!p.requiresGrad()) return;
        trainable.put(name, p);
        if (name.contains("lora_B")) p.value().copyFrom(Tensor.randn(rng, 0f, 0.05f, p.value().shape()));
      });
      // c_attn fuses q, k, v: one lora_A and one lora_B per layer, masked to q and v
      assertTrue(trainable.size() == 2 * cfg.nLayer(), "expected lora_A and lora_B of c_attn per layer, got "
          + trainable.keySet());
      int t = cfg.blockSize();
      int[] ids = new int[BATCH * t];
      int[] targets = new int[BATCH * t];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = rng.nextInt(VOCAB);
        targets[i] = rng.nextInt(VOCAB);
      }
      AdamW opt = new AdamW(new ArrayList<>(trainable.values()), 1e-2f, 0.01f);
      float[] losses = new float[STEPS];
      List<Map<String, float[]>> grads = new ArrayList<>();
      List<Map<String, float[]>> weights = new ArrayList<>();
      for (int s = 0; s < STEPS; s++) {
        gpt.zeroGrad();
        Variable loss = gpt.loss(ids, targets, BATCH, t);
        loss.backward();
        losses[s] = loss.value().item();
        grads.add(snapshot(trainable, true));
        opt.step();
        weights.add(snapshot(trainable, false));
      }
      return new Run(losses, grads, weights);
    } finally {
      Backends.set(previous);
    }
  }

  private static Map<String, float[]> snapshot(Map<String, Parameter> params, boolean grad) {
    Map<String, float[]> out = new LinkedHashMap<>();
    params.forEach((name, p) -> out.put(name, (grad ? p.grad() : p.value()).toArray()));
    return out;
  }

  private static void assertAllClose(String what, Map<String, float[]> cpu, Map<String, float[]> device) {
    assertEquals(cpu.keySet(), device.keySet());
    cpu.forEach((name, e) -> {
      float[] a = device.get(name);
      for (int i = 0; i < e.length; i++) assertClose(what + name + " [" + i + "]", e[i], a[i]);
    });
  }

  private static void assertClose(String what, float expected, float actual) {
    if (!(Math.abs(actual - expected) <= REL * Math.max(Math.abs(expected), 1e-3f))) {
      fail(what + ": vector " + expected + " but tornado " + actual + " (relative tolerance " + REL + ")");
    }
  }
}
