package org.jlora.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.optim.AdamW;
import org.jlora.autograd.optim.GradClip;
import org.jlora.autograd.optim.ParamGroup;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.data.Batch;
import org.jlora.examples.gpt.DeviceTrainStep;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.GptLora;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.Trainer;
import org.jlora.lora.LoraModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The whole LoRA step as one device graph ({@link GptLoraDeviceStep}) against the autograd step on
 * the vector backend (forward, backward, {@link GradClip}, AdamW with the trainer's settings), on
 * the nano GPT with LoRA r 4 on q and v: every step's loss and the LoRA weights after the last
 * step agree within 1e-4 relative. lora_B starts random (with B = 0, A's gradient is zero and Adam's
 * first steps check little beyond signs), the clip limit is low enough to clip, and some targets
 * are ignored.
 */
class TornadoGptDeviceStepTest {
  private static final int VOCAB = 17;
  private static final int BATCH = 2;
  private static final int STEPS = 3;
  private static final float LR = 1e-2f;
  private static final float WD = 0.1f;
  private static final float CLIP = 0.05f;
  private static final float REL = 1e-4f;

  /** 2 blocks: one graph each way; 4 (the most it takes): the same step split over 11 chained graphs. */
  @ParameterizedTest
  @ValueSource(ints = {2, GptLoraDeviceStep.MAX_LAYERS})
  void wholeStepOnDeviceMatchesAutogradOnCpu(int layers) {
    TornadoRuntime.assumePresent();
    Batch[] batches = batches();
    Gpt cpu = model(layers);
    Map<String, Parameter> cpuLora = trainable(cpu);
    float[] cpuLosses = new float[STEPS];
    float[] norms = new float[STEPS];
    Backend previous = Backends.use("vector");
    try {
      AdamW opt = new AdamW(List.of(new ParamGroup(List.copyOf(cpuLora.values()), LR, WD)),
          0.9f, 0.95f, 1e-8f);
      for (int s = 0; s < STEPS; s++) {
        cpu.zeroGrad();
        Variable loss = cpu.loss(batches[s].inputs(), batches[s].targets(), BATCH, cpu.config().blockSize());
        loss.backward();
        cpuLosses[s] = loss.value().item();
        norms[s] = GradClip.clipGradNorm(cpuLora.values(), CLIP);
        opt.step();
      }
    } finally {
      Backends.set(previous);
    }
    assertTrue(norms[0] > CLIP, "the test should exercise clipping: gradient norm " + norms[0]);

    Gpt dev = model(layers);
    Map<String, Parameter> devLora = trainable(dev);
    Map<String, float[]> before = values(dev.namedParameters());
    GptLoraDeviceStep step = new GptLoraDeviceStep(dev, BATCH, dev.config().blockSize(),
        new DeviceTrainStep.Settings(0.9f, 0.95f, 1e-8f, WD, CLIP));
    long runsBefore = DeviceGraph.runs();
    for (int s = 0; s < STEPS; s++) {
      float loss = step.step(batches[s].inputs(), batches[s].targets(), LR);
      assertClose("step " + s + " loss", cpuLosses[s], loss);
    }
    assertEquals(STEPS, DeviceGraph.runs() - runsBefore, "one graph execution per step");
    // the trained weights stay on the device until asked for
    Map<String, float[]> unsynced = values(dev.namedParameters());
    before.forEach((name, v) -> assertArrayEquals(v, unsynced.get(name), name + " changed on the host before the sync"));
    step.syncToHost();
    Map<String, float[]> after = values(dev.namedParameters());
    cpuLora.forEach((name, p) -> {
      float[] expected = p.value().toArray();
      float[] actual = after.get(name);
      assertFalse(java.util.Arrays.equals(before.get(name), actual), name + " was not updated");
      assertTensorClose(name, expected, actual);
    });
    before.forEach((name, v) -> {
      if (!devLora.containsKey(name)) assertArrayEquals(v, after.get(name), "frozen " + name + " changed");
    });
  }

  @Test
  void trainerRunsTheDeviceStepOnTheTornadoBackend() {
    TornadoRuntime.assumePresent();
    TrainConfig tc = TrainConfig.builder().steps(4).batchSize(BATCH).contextLength(16).lr(1e-2f).minLr(1e-3f)
        .warmup(1).weightDecay(WD).gradClip(1f).eval(0, 1).seed(5L).build();
    Trainer.BatchSource source = (rng, rows, len) -> randomBatch(rng, rows, len);
    Map<String, float[]> expected;
    Backend previous = Backends.use("vector");
    try {
      Trainer cpu = new Trainer(model(), tc, source, null);
      cpu.run();
      assertFalse(cpu.usesDeviceStep());
      expected = values(trainable(cpu.model()));
    } finally {
      Backends.set(previous);
    }
    previous = Backends.use("tornado");
    try {
      Trainer dev = new Trainer(model(), tc, source, null);
      dev.run();
      assertTrue(dev.usesDeviceStep(), "the tornado backend should run the LoRA step as one device graph");
      Map<String, float[]> actual = values(trainable(dev.model()));   // run() synced them back
      expected.forEach((name, e) -> assertTensorClose(name, e, actual.get(name)));
      assertTrue(dev.result().optimizerStateBytes() > 0);
    } finally {
      Backends.set(previous);
    }
  }

  @Test
  void refusesWhatItDoesNotCover() {
    TornadoRuntime.assumePresent();
    Gpt full = new Gpt(GptConfig.named("nano", VOCAB), 7L);   // no LoRA: every weight trainable
    String why = GptLoraDeviceStep.unsupportedReason(full);
    assertNotNull(why);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> new GptLoraDeviceStep(full, 1, 16, new DeviceTrainStep.Settings(0.9f, 0.95f, 1e-8f, 0f, 0f)));
    assertTrue(e.getMessage().contains("c_attn"), e.getMessage());
    String deep = GptLoraDeviceStep.unsupportedReason(model(GptLoraDeviceStep.MAX_LAYERS + 1));
    assertNotNull(deep);
    assertTrue(deep.contains("blocks"), deep);
    Gpt lora = model();
    GptLoraDeviceStep step = new GptLoraDeviceStep(lora, 1, 16, new DeviceTrainStep.Settings(0.9f, 0.95f, 1e-8f, 0f, 0f));
    int[] ids = new int[16];
    int[] bad = new int[16];
    bad[3] = VOCAB;
    IllegalArgumentException idErr = assertThrows(IllegalArgumentException.class, () -> step.step(bad, ids, 1e-3f));
    assertTrue(idErr.getMessage().contains("position 3"), idErr.getMessage());
    assertThrows(IllegalArgumentException.class, () -> step.step(ids, bad, 1e-3f));
    assertThrows(RuntimeException.class, () -> step.step(new int[15], new int[15], 1e-3f));
  }

  /** The nano GPT with LoRA (r 4, alpha 8) on q and v, lora_B random: the same for every call. */
  private static Gpt model() {
    return model(2);
  }

  /** The nano GPT's widths with {@code layers} blocks. */
  private static Gpt model(int layers) {
    GptConfig nano = GptConfig.named("nano", VOCAB);
    Gpt gpt = new Gpt(new GptConfig(VOCAB, nano.blockSize(), layers, nano.nHead(), nano.nEmbd(), 0f), 7L);
    LoraModel.inject(gpt, GptLora.queryValue(4, 8f, 0f, 11L));
    Rng rng = new Rng(2025);
    trainable(gpt).forEach((name, p) -> {
      if (name.contains("lora_B")) p.value().copyFrom(Tensor.randn(rng, 0f, 0.05f, p.value().shape()));
    });
    return gpt;
  }

  private static Batch[] batches() {
    Rng rng = new Rng(99);
    Batch[] out = new Batch[STEPS];
    for (int s = 0; s < STEPS; s++) {
      Batch b = randomBatch(rng, BATCH, 16);
      b.targets()[5 + s] = Gpt.IGNORE_INDEX;
      out[s] = b;
    }
    return out;
  }

  private static Batch randomBatch(Rng rng, int rows, int len) {
    int[] x = new int[rows * len];
    int[] y = new int[rows * len];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextInt(VOCAB);
      y[i] = rng.nextInt(VOCAB);
    }
    return new Batch(x, y, rows, len);
  }

  private static Map<String, Parameter> trainable(Module model) {
    Map<String, Parameter> out = new LinkedHashMap<>();
    model.namedParameters().forEach((name, p) -> {
      if (p.requiresGrad()) out.put(name, p);
    });
    return out;
  }

  private static Map<String, float[]> values(Map<String, Parameter> params) {
    Map<String, float[]> out = new LinkedHashMap<>();
    params.forEach((name, p) -> out.put(name, p.value().toArray()));
    return out;
  }

  /**
   * Each element within 1e-4 of the tensor's largest magnitude: a weight that Adam walks through
   * zero ends near 0, where a per-element relative bound would measure float rounding against
   * the leftover rather than against the weight's scale.
   */
  private static void assertTensorClose(String name, float[] expected, float[] actual) {
    float scale = 1e-3f;
    for (float e : expected) scale = Math.max(scale, Math.abs(e));
    for (int i = 0; i < expected.length; i++) {
      if (!(Math.abs(actual[i] - expected[i]) <= REL * scale)) {
        fail(name + " [" + i + "]: vector " + expected[i] + " but device step " + actual[i] + " (tolerance " + REL
            + " of the tensor's largest magnitude " + scale + ")");
      }
    }
  }

  private static void assertClose(String what, float expected, float actual) {
    if (!(Math.abs(actual - expected) <= REL * Math.max(Math.abs(expected), 1e-3f))) {
      fail(what + ": vector " + expected + " but device step " + actual + " (relative tolerance " + REL + ")");
    }
  }
}
