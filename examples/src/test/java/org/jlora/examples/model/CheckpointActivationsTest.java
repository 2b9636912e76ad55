package org.jlora.examples.model;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.GptLora;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.gpt2.Gpt2Config;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.junit.jupiter.api.Test;

/**
 * {@code setCheckpointActivations(true)} on the real models changes nothing a training step
 * computes: over three steps with dropout on (the model's own and LoRA's), the loss and every
 * trainable parameter's gradient equal the plain run's bit for bit, for full fine-tuning and LoRA,
 * on the small GPT, GPT-2 and Llama. Generation with a KV cache ignores the switch.
 */
class CheckpointActivationsTest {
  private static final int B = 2;
  private static final int T = 6;

  private static final LlamaConfig LLAMA = LlamaConfig.builder().vocabSize(40).hiddenSize(16).intermediateSize(24)
      .numLayers(3).numHeads(4).numKvHeads(2).maxPositions(16).build();
  private static final Gpt2Config GPT2 = new Gpt2Config(40, 16, 16, 3, 4, 64, 1e-5f, 0.1f);   // dropout 0.1
  private static final GptConfig GPT = new GptConfig(40, 16, 3, 2, 16, 0.1f);

  /** LoRA with dropout; B made non-zero so A's gradients are not trivially zero. */
  private static LanguageModel withLora(LanguageModel m, LoraConfig cfg) {
    LoraModel.inject(m, cfg);
    Rng rng = new Rng(11);
    for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
      if (e.getKey().contains("lora_B")) e.getValue().value().copyFrom(Tensor.randn(rng, 0f, 0.1f, e.getValue().shape()));
    }
    return m;
  }

  private static LoraConfig allLinear() {
    return LoraConfig.builder().r(4).loraAlpha(8).loraDropout(0.1f).targetRegex(LoraModel.ALL_LINEAR).seed(5L).build();
  }

  /** Three training steps: each step's loss, then every trainable parameter's gradient. */
  private static List<float[]> steps(LanguageModel m, boolean checkpoint) {
    m.train();
    m.setCheckpointActivations(checkpoint);
    Rng data = new Rng(3);
    List<float[]> out = new ArrayList<>();
    for (int step = 0; step < 3; step++) {
      int[] ids = new int[B * T];
      int[] targets = new int[B * T];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = data.nextInt(m.vocabSize());
        targets[i] = data.nextInt(m.vocabSize());
      }
      m.zeroGrad();
      var loss = m.loss(ids, targets, B, T);
      loss.backward();
      out.add(loss.value().toArray());
      for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
        if (!e.getValue().requiresGrad()) continue;
        assertNotNull(e.getValue().grad(), e.getKey() + " got no gradient");
        out.add(e.getValue().grad().toArray());
      }
    }
    return out;
  }

  private static void assertSameStep(Supplier<LanguageModel> model) {
    List<float[]> plain = steps(model.get(), false);
    List<float[]> ckpt = steps(model.get(), true);
    assertEquals(plain.size(), ckpt.size());
    for (int i = 0; i < plain.size(); i++) assertArrayEquals(plain.get(i), ckpt.get(i), 0f, "array " + i);
  }

  @Test
  void smallGptFullAndLora() {
    assertSameStep(() -> new Gpt(GPT, 1));
    assertSameStep(() -> withLora(new Gpt(GPT, 1), GptLora.queryValue(4, 8f, 0.1f, 5L)));
  }

  @Test
  void gpt2FullAndLora() {
    assertSameStep(() -> new Gpt2(GPT2, 1));
    assertSameStep(() -> withLora(new Gpt2(GPT2, 1),
        LoraConfig.builder().r(4).loraAlpha(8).loraDropout(0.1f).targetModules("c_attn").fanInFanOut(true).seed(5L).build()));
  }

  @Test
  void llamaFullAndLoraAllLinear() {
    assertSameStep(() -> new Llama(LLAMA, 1));
    assertSameStep(() -> withLora(new Llama(LLAMA, 1), allLinear()));
  }

  @Test
  void dropoutIsReallyOnInTheseRuns() {
    // the equalities above would be weak if no mask were drawn: without dropout (eval mode) the loss differs
    LanguageModel m = withLora(new Llama(LLAMA, 1), allLinear());
    int[] ids = {1, 5, 9, 3, 7, 2, 8, 8, 30, 39, 0, 4};
    float[] loss = new float[2];
    for (int k = 0; k < 2; k++) {
      m.train(k == 0);
      try (NoGrad g = NoGrad.enter()) {
        loss[k] = m.loss(ids, ids, B, T).value().get(0);
      }
    }
    assertNotEquals(loss[0], loss[1]);
  }

  @Test
  void generationWithACacheIgnoresTheSwitch() {
    Llama m = new Llama(LLAMA, 1);
    int[] ids = {1, 5, 9, 3};
    float[][] logits = new float[2][];
    for (int k = 0; k < 2; k++) {
      m.setCheckpointActivations(k == 1);
      m.eval();
      try (NoGrad g = NoGrad.enter()) {
        KvCache cache = m.newCache(1);
        logits[k] = m.forward(ids, 1, ids.length, cache).value().toArray();
        assertEquals(ids.length, cache.length(), "the cache was filled");
      }
    }
    assertArrayEquals(logits[0], logits[1], 0f);
  }
}
