package org.jlora.examples.model.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.lora.LoraAdapter;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraLayer;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.Test;

/**
 * PEFT's GPT-2 setup on the tiny GPT-2: LoRA on {@code c_attn}, a Conv1D whose weight is stored
 * [in, out], so the adapter needs fan_in_fan_out: A [r, in] and B [out, r] as PEFT stores them,
 * and the merged update is (B·A)ᵀ added to the [in, out] weight. Checked by hand and against a
 * PEFT 0.21 adapter and its logits (examples/src/test/python/make_gpt2_goldens.py).
 */
class Gpt2LoraTest {
  static final int[] IDS = {15, 92, 21, 86, 83, 47, 87, 79, 88, 61, 58, 31, 8, 17};   // [2, 7]

  static Gpt2 tiny() throws Exception {
    return Gpt2.load(Path.of(Gpt2LoraTest.class.getResource("/gpt2/tiny/config.json").toURI()).getParent());
  }

  static LoraConfig cAttn() {
    return LoraConfig.builder().r(4).loraAlpha(8).targetModules("c_attn").fanInFanOut(true).seed(3L).build();
  }

  static float[] logits(Gpt2 m) {
    try (NoGrad g = NoGrad.enter()) {
      return m.forward(IDS, 2, 7).value().toArray();
    }
  }

  static void assertClose(float[] expected, float[] actual, String what) {
    assertClose(expected, actual, 1e-5, what);
  }

  /** max |expected - actual| <= tol · max |expected|. */
  static void assertClose(float[] expected, float[] actual, double tol, String what) {
    assertEquals(expected.length, actual.length, what + ": size");
    double maxRef = 0;
    double maxDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(expected[i]));
      maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
    }
    assertTrue(maxDiff <= tol * maxRef, what + ": max |diff| " + maxDiff + " vs max |logit| " + maxRef);
  }

  @Test
  void loraOnCAttnHasPeftsShapesAndStartsAsTheBaseModel() throws Exception {
    Gpt2 model = tiny();
    float[] base = logits(model);
    LoraModel lm = LoraModel.inject(model, cAttn());
    assertEquals(2, lm.loraLayers().size(), "c_attn of both blocks");
    LoraAdapter ad = lm.loraLayers().get("transformer.h.0.attn.c_attn").lora().adapters().get("default");
    assertArrayEquals(new int[] {4, 32}, ad.a().shape(), "lora_A [r, in]");
    assertArrayEquals(new int[] {96, 4}, ad.b().shape(), "lora_B [out, r]");
    assertArrayEquals(base, logits(model), "B = 0: the adapter changes nothing yet");
    long trainable = model.namedParameters().values().stream().filter(Parameter::requiresGrad).count();
    assertEquals(4, trainable, "only the two A/B pairs train");
  }

  @Test
  void aPeftAdapterForGpt2GivesTheLogitsPeftComputes() throws Exception {
    Path gpt2 = Path.of(Gpt2LoraTest.class.getResource("/gpt2/tiny/config.json").toURI()).getParent().getParent();
    Gpt2 model = tiny();
    LoraModel lm = PeftAdapters.fromPretrained(model, gpt2.resolve("peft_c_attn"));
    assertTrue(lm.config("default").fanInFanOut(), "read from adapter_config.json");
    float[] expected = SafeTensors.readAll(gpt2.resolve("logits.safetensors")).get("lora_logits").toArray();
    model.eval();
    float[] actual = logits(model);
    assertClose(expected, actual, 1e-4, "Java LoRA vs PEFT");
    Gpt2 merged = (Gpt2) lm.mergeAndUnload();
    assertClose(expected, logits(merged), 1e-4, "merged Java LoRA vs PEFT");
  }

  @Test
  void theAdaptedModelEqualsTheBaseWithTheTransposedDeltaAddedAndMergesToIt() throws Exception {
    Gpt2 model = tiny();
    LoraModel lm = LoraModel.inject(model, cAttn());
    Rng rng = new Rng(11);
    Gpt2 byHand = tiny();
    for (Map.Entry<String, LoraLayer> e : lm.loraLayers().entrySet()) {
      LoraAdapter ad = e.getValue().lora().adapters().get("default");
      ad.b().value().copyFrom(Tensor.randn(rng, 0f, 0.1f, 96, 4));
      // W [in, out] += scaling · (B·A)ᵀ = scaling · Aᵀ·Bᵀ: [32, 4]·[4, 96]
      Tensor w = byHand.stateDict().get(e.getKey() + ".weight");
      float[] a = ad.a().value().toArray();
      float[] b = ad.b().value().toArray();
      for (int i = 0; i < 32; i++) {
        for (int o = 0; o < 96; o++) {
          float d = 0;
          for (int k = 0; k < 4; k++) d += a[k * 32 + i] * b[o * 4 + k];
          w.set(i * 96 + o, w.get(i * 96 + o) + ad.scaling() * d);
        }
      }
    }
    float[] adapted = logits(model);
    assertClose(logits(byHand), adapted, "unmerged LoRA vs the weight updated by hand");
    Gpt2 merged = (Gpt2) lm.mergeAndUnload();
    assertClose(adapted, logits(merged), "merged vs unmerged");
    assertEquals(byHand.stateDict().keySet(), merged.stateDict().keySet(), "merging leaves Hugging Face's keys");
  }
}
