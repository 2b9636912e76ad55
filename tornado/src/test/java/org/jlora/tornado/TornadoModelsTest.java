package org.jlora.tornado;

import static org.jlora.tornado.Close.assertClose;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.data.Batch;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.examples.train.StepReplay;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.junit.jupiter.api.Test;

/**
 * Real models through the compiled step: the toy GPT and a Llama with
 * grouped-query attention, LoRA (all linear layers, B randomised) and full fine-tuning, trained
 * by the Trainer with {@code --step-replay on} on the tornado backend (step 1 recorded while it
 * runs kernel by kernel, steps 2-4 replayed on the device as one compiled program) against the same
 * run on the vector backend: losses and trained weights within 1e-4. The 12-block GPT-2 is
 * {@link TornadoDeepModelTest}, outside the default suite.
 */
class TornadoModelsTest {
  private static final float TOL = 1e-4f;
  private static final int STEPS = 4;
  private static final GptConfig GPT = new GptConfig(40, 16, 3, 2, 16, 0f);
  private static final LlamaConfig LLAMA = LlamaConfig.builder().vocabSize(40).hiddenSize(16).intermediateSize(24)
      .numLayers(3).numHeads(4).numKvHeads(2).maxPositions(16).build();

  private static Batch batch(Rng rng, int rows, int len) {
    int[] x = new int[rows * len];
    int[] y = new int[rows * len];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextInt(40);
      y[i] = i % 5 == 2 ? -100 : rng.nextInt(40);   // some ignored targets
    }
    return new Batch(x, y, rows, len);
  }

  private static TrainConfig config() {
    return TrainConfig.builder().steps(STEPS).batchSize(2).contextLength(8).lr(3e-2f).minLr(3e-3f).warmup(2)
        .weightDecay(0.1f).gradClip(0.5f).seed(7L).build();
  }

  static LanguageModel lora(LanguageModel m) {
    LoraModel.inject(m, LoraConfig.builder().r(4).loraAlpha(8).targetRegex(LoraModel.ALL_LINEAR).seed(5L).build());
    Rng rng = new Rng(11);
    for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
      if (e.getKey().contains("lora_B")) e.getValue().value().copyFrom(Tensor.randn(rng, 0f, 0.1f, e.getValue().shape()));
    }
    return m;
  }

  /** Trains on {@code backend}; returns the per-step losses, then every parameter's final values. */
  private static List<float[]> train(Backend backend, LanguageModel m, StepReplay mode, List<String> messages) {
    Backend before = Backends.set(backend);
    try {
      Trainer trainer = new Trainer(m, config(), TornadoModelsTest::batch, null).stepReplay(mode).onMessage(messages::add);
      long start = System.nanoTime();
      TrainResult r = trainer.run();
      messages.add(String.format("%s: %d steps in %.1f s", backend.name(), STEPS, (System.nanoTime() - start) / 1e9));
      if (mode == StepReplay.ON) assertTrue(trainer.replaysSteps(), "the steps were replayed");
      List<float[]> out = new ArrayList<>();
      double[] losses = r.trainCurve()[1];
      float[] l = new float[losses.length];
      for (int i = 0; i < l.length; i++) l[i] = (float) losses[i];
      out.add(l);
      for (Parameter p : m.namedParameters().values()) out.add(p.value().toArray());
      return out;
    } finally {
      Backends.set(before);
    }
  }

  static void assertDeviceTrainsAsVector(String what, Supplier<LanguageModel> model) {
    List<String> messages = new ArrayList<>();
    List<float[]> cpu = train(Backends.vector(), model.get(), StepReplay.OFF, messages);
    long runs = DeviceGraph.runs();
    List<float[]> device = train(TornadoRuntime.backend(), model.get(), StepReplay.ON, messages);
    assertTrue(messages.stream().anyMatch(s -> s.startsWith("tornado backend: ")), what + ": " + messages);
    assertTrue(DeviceGraph.runs() > runs, what + ": nothing ran on the device");
    System.out.println("TornadoModelsTest " + what + ": " + messages);
    assertClose(what + ": losses", cpu.get(0), device.get(0), TOL);
    for (int i = 1; i < cpu.size(); i++) assertClose(what + ": parameter " + i, cpu.get(i), device.get(i), TOL);
  }

  @Test
  void theSmallGptTrainsOnTheDeviceAsOnTheCpu() {
    assertDeviceTrainsAsVector("gpt full", () -> new Gpt(GPT, 1L));
    assertDeviceTrainsAsVector("gpt lora", () -> lora(new Gpt(GPT, 1L)));
  }

  @Test
  void llamaWithGroupedQueryAttentionTrainsOnTheDeviceAsOnTheCpu() {
    assertDeviceTrainsAsVector("llama full", () -> new Llama(LLAMA, 1L));
    assertDeviceTrainsAsVector("llama lora", () -> lora(new Llama(LLAMA, 1L)));
  }
}
