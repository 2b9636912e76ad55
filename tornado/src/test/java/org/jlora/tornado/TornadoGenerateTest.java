package org.jlora.tornado;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.generate.DecodeStep;
import org.jlora.examples.generate.Generation;
import org.jlora.examples.generate.Generator;
import org.jlora.examples.generate.Sampling;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.examples.train.StepReplay;
import org.junit.jupiter.api.Test;

/**
 * Generation on the device with the KV cache resident: the prompt goes through kernel by kernel,
 * the first new token's forward is recorded and compiled once ({@code --step-replay on}), and
 * every later token runs that one program with only the token ids and the position sent. Against
 * the same generation on the vector backend, token for token (greedy and seeded sampling), on
 * the toy GPT and a Llama with grouped-query attention and LoRA; and no execution plan is built
 * after the decode step is compiled, however many tokens follow.
 */
class TornadoGenerateTest {
  private static final int NEW = 8;
  private static final int[][] PROMPTS = {{3, 7, 1}, {19, 0, 5}};
  private static final GptConfig GPT = new GptConfig(40, 16, 2, 2, 16, 0f);
  private static final LlamaConfig LLAMA = LlamaConfig.builder().vocabSize(40).hiddenSize(16).intermediateSize(24)
      .numLayers(2).numHeads(4).numKvHeads(2).maxPositions(16).build();

  /** Matrices N(0, 0.3) (the token table 0.05) for clear argmaxes, as the CPU's DecodeStepTest. */
  static LanguageModel sharpened(LanguageModel m) {
    Rng rng = new Rng(17);
    for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
      float std = e.getKey().endsWith("wte.weight") || e.getKey().endsWith("embed_tokens.weight") ? 0.05f : 0.3f;
      if (e.getValue().value().rank() >= 2) e.getValue().value().copyFrom(Tensor.randn(rng, 0f, std, e.getValue().shape()));
    }
    return m;
  }

  private static Generation generate(Backend backend, Generator gen, Sampling s) {
    Backend before = Backends.set(backend);
    try {
      return gen.generate(PROMPTS, NEW, s, new Rng(42), -1, true);
    } finally {
      Backends.set(before);
    }
  }

  static void assertDeviceGeneratesAsVector(String what, Supplier<LanguageModel> model) {
    for (Sampling s : new Sampling[] {Sampling.GREEDY, new Sampling(1.0f, 5)}) {
      Generation cpu = generate(Backends.vector(), new Generator(model.get()).decodeReplay(StepReplay.OFF), s);
      List<String> messages = new ArrayList<>();
      long[] atCompile = new long[3];   // plans built, graph runs, the time: when the decode step was compiled
      Generator gen = new Generator(model.get()).decodeReplay(StepReplay.ON).onMessage(m -> {
        messages.add(m);
        atCompile[0] = DeviceGraph.built();
        atCompile[1] = DeviceGraph.runs();
        atCompile[2] = System.nanoTime();
      });
      long builtBefore = DeviceGraph.built();
      long start = System.nanoTime();
      Generation device = generate(TornadoRuntime.backend(), gen, s);
      long end = System.nanoTime();
      double seconds = (end - start) / 1e9;
      assertTrue(gen.replayedDecode(), what + ": " + messages);
      assertTrue(messages.getFirst().startsWith("tornado backend, decode step: "), messages.toString());
      System.out.printf("TornadoGenerateTest %s %s: %d tokens in %.1f s (%.1f s of it after the decode step compiled); "
              + "plans built %d, %d of them before the decode step compiled; %d runs of the compiled step after; %s%n",
          what, s, NEW, seconds, (end - atCompile[2]) / 1e9, DeviceGraph.built() - builtBefore, atCompile[0] - builtBefore,
          DeviceGraph.runs() - atCompile[1], messages.getFirst());
      // tokens 3..NEW ran from the compiled step: graph runs, and not one new plan
      assertEquals(atCompile[0], DeviceGraph.built(), what + ": a plan was built after the decode step was compiled");
      assertTrue(DeviceGraph.runs() - atCompile[1] >= NEW - 2, what + ": the later tokens did not run on the device");
      for (int r = 0; r < PROMPTS.length; r++) {
        assertArrayEquals(cpu.tokens(r), device.tokens(r), what + " " + s + ", row " + r);
      }
    }
    System.out.printf("TornadoGenerateTest %s: a replayed token after the first run: %.1f ms on tornado, %.3f ms "
        + "replayed on the vector backend%n", what, msPerToken(TornadoRuntime.backend(), model.get()),
        msPerToken(Backends.vector(), model.get()));
  }

  /** Time of one token from the recorded decode step once its first run (which compiles on a device) is done. */
  static double msPerToken(Backend backend, LanguageModel m) {
    Backend before = Backends.set(backend);
    m.eval();
    try (NoGrad g = NoGrad.enter()) {
      KvCache cache = m.newCache(2, 3 + NEW);
      m.forward(new int[] {3, 7, 1, 19, 0, 5}, 2, 3, cache);
      try (DecodeStep step = DecodeStep.capture(m, cache, new int[] {1, 2})) {
        step.run(new int[] {3, 4});
        long start = System.nanoTime();
        for (int i = 0; i < NEW - 3; i++) step.run(new int[] {i, i + 1});
        return (System.nanoTime() - start) / 1e6 / (NEW - 3);
      }
    } finally {
      Backends.set(before);
    }
  }

  @Test
  void theSmallGptGeneratesOnTheDeviceAsOnTheCpu() {
    assertDeviceGeneratesAsVector("gpt", () -> sharpened(new Gpt(GPT, 1L)));
  }

  @Test
  void llamaWithGroupedQueryAttentionAndLoraGeneratesOnTheDeviceAsOnTheCpu() {
    assertDeviceGeneratesAsVector("llama lora", () -> TornadoModelsTest.lora(sharpened(new Llama(LLAMA, 1L))));
  }
}
