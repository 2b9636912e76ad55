package org.jlora.lora;

import static org.jlora.lora.DoraTest.tensor;
import static org.jlora.lora.LoraTesting.assertClose;
import static org.jlora.lora.LoraTesting.maxRelDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Several adapters at once against PEFT 0.21 (ops.json, ops-a/, ops-b/ from make_peft_variant_goldens.py):
 * adapter a (r 2, alpha 4, q and v) and b (r 2, alpha 8, q and fc) with random A and B.
 */
class AdapterOpsTest {
  static final double TOL = 1e-5;

  static JsonNode golden() throws IOException {
    return new ObjectMapper().readTree(Files.readString(TinyStack.GOLDENS.resolve("ops.json")));
  }

  static Tensor run(TinyStack m, JsonNode g) {
    return m.forward(Variable.of(tensor(g.get("x")), false)).value().copy();
  }

  /** The golden model with PEFT's adapters a and b loaded, a active. */
  static LoraModel twoAdapters(TinyStack m) throws IOException {
    LoraModel lm = LoraModel.inject(m, PeftAdapters.readConfig(TinyStack.GOLDENS.resolve("ops-a")), "a");
    PeftAdapters.load(lm, TinyStack.GOLDENS.resolve("ops-a"), "a", true);
    PeftAdapters.load(lm, TinyStack.GOLDENS.resolve("ops-b"), "b", true);
    return lm;
  }

  @Test
  void eachAdapterAloneAndBothTogetherGivePeftsOutputs() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    LoraModel lm = twoAdapters(m);
    assertClose(tensor(g.get("a_out")), run(m, g), TOL, "adapter a");
    lm.setAdapter("b");
    assertClose(tensor(g.get("b_out")), run(m, g), TOL, "adapter b");
    lm.setAdapter(List.of("a", "b"));
    assertEquals(List.of("a", "b"), lm.activeAdapters());
    assertClose(tensor(g.get("both_out")), run(m, g), TOL, "set_adapter([a, b])");
    assertTrue(lm.loraLayers().get("model.layers.0.q").adapter("b").a().requiresGrad(), "both train");
    assertTrue(lm.loraLayers().get("model.layers.0.q").adapter("a").a().requiresGrad(), "both train");
  }

  @Test
  void weightedAdaptersGivePeftsOutputs() throws IOException {
    JsonNode g = golden();
    for (JsonNode c : g.get("weighted")) {
      TinyStack m = TinyStack.golden();
      LoraModel lm = twoAdapters(m);
      List<String> adapters = new java.util.ArrayList<>();
      c.get("adapters").forEach(n -> adapters.add(n.asText()));
      List<Float> weights = new java.util.ArrayList<>();
      c.get("weights").forEach(n -> weights.add((float) n.asDouble()));
      WeightedMerge how = WeightedMerge.of(WeightedMerge.Combination.fromPeft(c.get("combination_type").asText()))
          .svdRank(c.path("svd_rank").asInt(0)).density(c.path("density").asDouble(1))
          .majoritySign(c.path("majority_sign_method").asText("total"));
      lm.addWeightedAdapter(adapters, weights, "w", how);
      assertEquals(List.of("a"), lm.activeAdapters(), "the new adapter is not activated");
      lm.setAdapter("w");
      assertClose(tensor(c.get("out")), run(m, g), TOL, c.toString().replaceAll(",\"out\".*", ""));
    }
  }

  @Test
  void aMixedBatchGivesPeftsOutputsRowByRow() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    LoraModel lm = twoAdapters(m);
    m.eval();
    List<String> names = new java.util.ArrayList<>();
    g.get("mixed").get("adapter_names").forEach(n -> names.add(n.asText()));
    Tensor out = lm.forward(Variable.of(tensor(g.get("x")), false), names).value();
    assertClose(tensor(g.get("mixed").get("out")), out, TOL, "adapter_names=" + names);
    assertClose(tensor(g.get("a_out")), run(m, g), TOL, "after the scope: adapter a again");
  }

  /** Samples of several rows ([3, 2, 8]): each sample's rows equal that adapter run alone on that sample. */
  @Test
  void aMixedBatchOfSequencesEqualsEachAdapterAlone() throws IOException {
    TinyStack m = TinyStack.golden();
    LoraModel lm = twoAdapters(m);
    m.eval();
    Tensor x = Tensor.randn(new org.jlora.engine.Rng(3), 3, 2, 8);
    List<String> names = List.of("a", "b", MixedBatch.BASE);
    Tensor mixed = lm.forward(Variable.of(x, false), names).value();
    for (int s = 0; s < 3; s++) {
      Tensor sample = Tensor.of(java.util.Arrays.copyOfRange(x.toArray(), s * 16, (s + 1) * 16), 1, 2, 8);
      Tensor alone;
      if (names.get(s).equals(MixedBatch.BASE)) {
        try (AutoCloseable off = lm.disableAdapters()) {
          alone = m.forward(Variable.of(sample, false)).value();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      } else {
        lm.setAdapter(names.get(s));
        alone = m.forward(Variable.of(sample, false)).value();
      }
      Tensor row = Tensor.of(java.util.Arrays.copyOfRange(mixed.toArray(), s * 8, (s + 1) * 8), 1, 2, 4);
      assertClose(alone, row, 1e-6, "sample " + s + " (" + names.get(s) + ")");
    }
  }

  @Test
  void aMixedBatchIsRefusedWhenPeftRefusesIt() throws IOException {
    TinyStack m = TinyStack.golden();
    LoraModel lm = twoAdapters(m);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> lm.mixedBatch(List.of("a")), "training mode");
    m.eval();
    org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> lm.mixedBatch(List.of("nope")));
    lm.loraLayers().values().forEach(LoraLayer::merge);
    org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class, () -> lm.mixedBatch(List.of("a")), "merged");
  }

  @Test
  void hotswapReplacesWeightsAndAlphaInPlace(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws IOException {
    JsonNode g = golden();
    java.nio.file.Path other = tmp.resolve("other");
    TinyStack donor = TinyStack.golden();
    PeftAdapters.save(LoraModel.inject(donor, LoraConfig.builder().r(2).loraAlpha(16).targetModules("q", "v")
        .initLoraWeights(InitLoraWeights.RANDOM).seed(5).build(), "a"), "a", other);
    Tensor expected = run(donor, g);
    TinyStack m = TinyStack.golden();
    LoraModel lm = twoAdapters(m);
    org.jlora.autograd.Parameter a = lm.loraLayers().get("model.layers.0.q").adapter("a").a();
    PeftAdapters.hotswap(lm, other, "a");
    assertClose(expected, run(m, g), 1e-6, "outputs of the swapped-in adapter");
    assertTrue(a == lm.loraLayers().get("model.layers.0.q").adapter("a").a(), "the same Parameter object");
    assertEquals(16f, lm.config("a").loraAlpha());
    IllegalArgumentException e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
        () -> PeftAdapters.hotswap(lm, TinyStack.GOLDENS.resolve("ops-b"), "a"));
    assertTrue(e.getMessage().contains("same target modules"), e.getMessage());
    assertClose(expected, run(m, g), 1e-6, "a refused hotswap changes nothing");
  }

  @Test
  void mergingTwoActiveAdaptersThenUnmergingRestoresW() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    Tensor w0 = m.namedParameters().get("model.layers.1.q.weight").value().copy();
    LoraModel lm = twoAdapters(m);
    lm.setAdapter(List.of("a", "b"));
    lm.loraLayers().values().forEach(LoraLayer::merge);
    assertClose(tensor(g.get("both_out")), run(m, g), TOL, "both merged");
    lm.loraLayers().values().forEach(LoraLayer::unmerge);
    Tensor w = m.namedParameters().get("model.layers.1.q.weight").value();
    assertTrue(maxRelDiff(w, w0) < 1e-6, "W restored: " + maxRelDiff(w, w0));
  }
}
