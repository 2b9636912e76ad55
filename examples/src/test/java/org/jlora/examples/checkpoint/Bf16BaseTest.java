package org.jlora.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.DType;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.llama.HfLlama;
import org.jlora.examples.model.llama.Llama;
import org.jlora.lora.InitLoraWeights;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.junit.jupiter.api.Test;

/**
 * A Llama loaded from a BF16 checkpoint with its weight matrices kept in bf16: the matrices stay
 * bf16 (norms f32), and because widening is exact and the kernels widen while packing, logits,
 * cached generation, the LoRA loss and the LoRA gradients are bit for bit those of the same
 * checkpoint widened to f32 on load. Whatever would write or train the bf16 base is refused by name.
 */
class Bf16BaseTest {
  static final Path BF16_DIR = Path.of("src/test/resources/llama/tiny-llama-bf16");
  private static final int[] IDS = {1, 17, 42, 5, 99, 3, 64, 8, 23, 11};
  private static final int B = 2, T = 5;

  private static Llama load(BaseDType dtype) throws IOException {
    try (HfDirectory hf = HfDirectory.open(BF16_DIR)) {
      return HfLlama.fromDirectory(hf, dtype);
    }
  }

  @Test
  void autoKeepsTheStoredBf16MatricesAndF32Norms() throws IOException {
    Llama m = load(BaseDType.AUTO);
    for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
      Tensor w = e.getValue().value();
      DType expected = w.rank() == 2 ? DType.BF16 : DType.F32;
      assertEquals(expected, w.dtype(), e.getKey());
      if (w.rank() == 2) assertTrue(!e.getValue().requiresGrad(), e.getKey() + " is frozen");
    }
    for (Parameter p : load(BaseDType.F32).parameters()) assertEquals(DType.F32, p.value().dtype());
  }

  @Test
  void logitsAndCachedGenerationAreThoseOfTheWidenedCheckpoint() throws IOException {
    Llama bf16 = load(BaseDType.BF16);
    Llama f32 = load(BaseDType.F32);
    try (NoGrad ng = NoGrad.enter()) {
      assertSameBits("logits", f32.forward(IDS, B, T).value(), bf16.forward(IDS, B, T).value());
      KvCache c32 = f32.newCache(B), c16 = bf16.newCache(B);
      for (int i = 0; i < T; i++) {
        int[] step = {IDS[i], IDS[T + i]};
        assertSameBits("cached step " + i, f32.forward(step, B, 1, c32).value(), bf16.forward(step, B, 1, c16).value());
      }
    }
  }

  @Test
  void aLoraStepOnTheBf16BaseGivesTheSameLossAndGradients() throws IOException {
    Llama bf16 = load(BaseDType.BF16);
    Llama f32 = load(BaseDType.F32);
    LoraModel l16 = LoraModel.inject(bf16, allLinear());
    LoraModel l32 = LoraModel.inject(f32, allLinear());
    assertNotNull(l16);
    assertNotNull(l32);
    int[] targets = IDS.clone();
    for (int i = 0; i < targets.length; i++) targets[i] = (IDS[i] * 7 + 1) % bf16.vocabSize();
    Variable loss16 = bf16.loss(IDS, targets, B, T);
    Variable loss32 = f32.loss(IDS, targets, B, T);
    loss16.backward();
    loss32.backward();
    assertSameBits("loss", loss32.value(), loss16.value());
    Map<String, Parameter> p16 = bf16.namedParameters(), p32 = f32.namedParameters();
    int trained = 0;
    for (Map.Entry<String, Parameter> e : p32.entrySet()) {
      if (!e.getValue().requiresGrad()) continue;
      assertSameBits("grad of " + e.getKey(), e.getValue().grad(), p16.get(e.getKey()).grad());
      trained++;
    }
    assertTrue(trained > 0, "some adapter trained");
  }

  @Test
  void mergingIntoABf16BaseIsRefusedAndLeavesItIntact() throws IOException {
    Llama m = load(BaseDType.BF16);
    LoraModel lm = LoraModel.inject(m, allLinear());
    Tensor q = m.namedParameters().get("model.layers.0.self_attn.q_proj.weight").value();
    float before = q.get(3);
    IllegalStateException e = assertThrows(IllegalStateException.class, lm::mergeAndUnload);
    assertTrue(e.getMessage().contains("merging adapter 'default'") && e.getMessage().contains("bf16 on host")
        && e.getMessage().contains("--base-dtype f32"), e.getMessage());
    assertEquals(before, q.get(3));
  }

  @Test
  void pissaAndDoraAndFullTrainingNeedAnF32Base() throws IOException {
    LoraConfig pissa = LoraConfig.builder().r(2).loraAlpha(4f).targetModules(List.of("q_proj"))
        .initLoraWeights(InitLoraWeights.PISSA).build();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> LoraModel.inject(load(BaseDType.BF16), pissa));
    assertTrue(e.getMessage().contains("PISSA initialisation") && e.getMessage().contains("read-only"), e.getMessage());
    LoraConfig dora = LoraConfig.builder().r(2).loraAlpha(4f).targetModules(List.of("q_proj")).useDora(true).build();
    e = assertThrows(IllegalStateException.class, () -> LoraModel.inject(load(BaseDType.BF16), dora));
    assertTrue(e.getMessage().contains("DoRA"), e.getMessage());
    Parameter w = load(BaseDType.BF16).namedParameters().get("model.embed_tokens.weight");
    e = assertThrows(IllegalStateException.class, () -> w.setRequiresGrad(true));
    assertTrue(e.getMessage().contains("bf16 tensor is read-only and cannot be trained"), e.getMessage());
  }

  @Test
  void aMergeThroughTheDtypeRuleLoadsF32() {
    assertEquals(BaseDType.F32, BaseDType.AUTO.forWrittenWeights("merging writes the adapter into them"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> BaseDType.BF16.forWrittenWeights("full fine-tuning trains every weight"));
    assertTrue(e.getMessage().contains("full fine-tuning trains every weight; use --base-dtype f32"), e.getMessage());
  }

  private static LoraConfig allLinear() {
    return LoraConfig.builder().r(4).loraAlpha(8f).targetRegex(LoraModel.ALL_LINEAR).seed(3L).build();
  }

  private static void assertSameBits(String what, Tensor expected, Tensor actual) {
    assertEquals(expected.size(), actual.size(), what + " size");
    for (int i = 0; i < expected.size(); i++) {
      if (Float.floatToRawIntBits(expected.get(i)) != Float.floatToRawIntBits(actual.get(i))) {
        fail(what + " differs at " + i + ": " + expected.get(i) + " vs " + actual.get(i));
      }
    }
  }
}
