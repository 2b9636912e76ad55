package org.jlora.examples.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.KvCache;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names, tied embeddings, LoRA injection through the forward, the cache contract, load errors. */
class LlamaModelTest {
  private static final LlamaConfig CFG = LlamaConfig.builder().vocabSize(40).hiddenSize(16).intermediateSize(24)
      .numLayers(2).numHeads(4).numKvHeads(2).maxPositions(16).build();
  private static final int[] IDS = {1, 5, 9, 3, 7, 2, 8, 8, 30, 39, 0, 4};

  @TempDir Path tmp;

  @Test
  void parameterNamesAreHuggingFaces() {
    Set<String> names = new Llama(CFG, 1).namedParameters().keySet();
    assertEquals(2 + 9 * 2 + 1, names.size(), names.toString());
    for (String n : new String[] {"model.embed_tokens.weight", "model.layers.1.input_layernorm.weight",
        "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.k_proj.weight",
        "model.layers.0.self_attn.v_proj.weight", "model.layers.0.self_attn.o_proj.weight",
        "model.layers.1.post_attention_layernorm.weight", "model.layers.1.mlp.gate_proj.weight",
        "model.layers.1.mlp.up_proj.weight", "model.layers.1.mlp.down_proj.weight", "model.norm.weight",
        "lm_head.weight"}) {
      assertTrue(names.contains(n), n + " in " + names);
    }
  }

  /** Tied: one Parameter listed and saved once; its gradient is the embedding's plus the head's. */
  @Test
  void tiedHeadSharesTheEmbeddingAndGetsBothGradients() {
    Llama tied = new Llama(CFG.toBuilder().tieEmbeddings(true).build(), 2);
    assertFalse(tied.namedParameters().containsKey("lm_head.weight"));
    assertFalse(tied.stateDict().containsKey("lm_head.weight"));
    assertEquals(new Llama(CFG, 2).parameterCount() - 40 * 16, tied.parameterCount());
    // an untied copy whose head starts equal to the embedding: same loss, grads split in two
    Llama untied = new Llama(CFG, 3);
    Map<String, Tensor> state = new java.util.HashMap<>(tied.stateDict());
    state.put("lm_head.weight", state.get("model.embed_tokens.weight"));
    untied.loadStateDict(state, true);
    int[] targets = {5, 9, 3, 7, 2, 8, 8, 30, 39, 0, 4, 1};
    Variable lt = tied.loss(IDS, targets, 2, 6);
    Variable lu = untied.loss(IDS, targets, 2, 6);
    assertEquals(lu.value().get(0), lt.value().get(0), 1e-6f);
    lt.backward();
    lu.backward();
    Tensor gTied = tied.model().embedTokens().weight().grad();
    Tensor gEmb = untied.model().embedTokens().weight().grad();
    Tensor gHead = untied.headWeight().grad();
    double headNorm = 0;
    for (int i = 0; i < gTied.size(); i++) {
      assertEquals(gEmb.get(i) + gHead.get(i), gTied.get(i), 1e-6f, "element " + i);
      headNorm += Math.abs(gHead.get(i));
    }
    assertTrue(headNorm > 0);
  }

  @Test
  void cachedForwardEqualsTheFullForwardAndRefusesGradients() {
    Llama m = new Llama(CFG, 4);
    Tensor full;
    try (NoGrad ng = NoGrad.enter()) {
      full = m.forward(IDS, 2, 6).value();
      KvCache cache = m.newCache(2);
      Tensor a = m.forward(new int[] {1, 5, 9, 8, 8, 30}, 2, 3, cache).value();     // prefill 3
      assertEquals(3, cache.length());
      for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 3; i++) {
          for (int v = 0; v < 40; v++) assertEquals(full.at(r, i, v), a.at(r, i, v), 1e-5f);
        }
      }
      for (int i = 3; i < 6; i++) {
        Tensor step = m.forward(new int[] {IDS[i], IDS[6 + i]}, 2, 1, cache).value();
        for (int r = 0; r < 2; r++) {
          for (int v = 0; v < 40; v++) assertEquals(full.at(r, i, v), step.at(r, 0, v), 1e-5f);
        }
      }
      assertThrows(IllegalArgumentException.class, () -> m.forward(IDS, 2, 6, m.newCache(1)));
    }
    String msg = assertThrows(IllegalStateException.class, () -> m.forward(IDS, 2, 6, m.newCache(2))).getMessage();
    assertTrue(msg.contains("NoGrad"), msg);
  }

  /** PEFT's Llama default (q_proj, v_proj): the LoRA layers take part in the forward and the cached path. */
  @Test
  void loraOnQAndVChangesTheForwardAndTrainsOnlyTheAdapters() throws IOException {
    Llama m = new Llama(CFG, 5);
    Tensor base;
    try (NoGrad ng = NoGrad.enter()) {
      base = m.forward(IDS, 2, 6).value().copy();
    }
    LoraModel lm = LoraModel.inject(m, LoraConfig.builder().r(4).loraAlpha(8).targetModules("q_proj", "v_proj").build());
    assertEquals(new TreeSet<>(Set.of("model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj",
        "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj")), new TreeSet<>(lm.loraLayers().keySet()));
    try (NoGrad ng = NoGrad.enter()) {
      assertClose(base, m.forward(IDS, 2, 6).value(), 0f, "B = 0: the adapter starts as the identity");
    }
    // give B values: the output must move, so the forward really goes through the LoRA layers
    Rng rng = new Rng(9);
    for (var e : m.namedParameters().entrySet()) {
      if (e.getKey().contains("lora_B")) e.getValue().value().copyFrom(Tensor.randn(rng, 0f, 0.5f, e.getValue().shape()));
    }
    Tensor adapted;
    try (NoGrad ng = NoGrad.enter()) {
      adapted = m.forward(IDS, 2, 6).value().copy();
      double moved = 0;
      for (int i = 0; i < base.size(); i++) moved = Math.max(moved, Math.abs(base.get(i) - adapted.get(i)));
      assertTrue(moved > 1e-3, "LoRA changed the logits by only " + moved);
      // the cached path goes through the same modules
      KvCache cache = m.newCache(2);
      assertClose(adapted, m.forward(IDS, 2, 6, cache).value(), 1e-5f, "cached with LoRA");
    }
    m.loss(IDS, new int[] {5, 9, 3, 7, 2, 8, 8, 30, 39, 0, 4, 1}, 2, 6).backward();
    for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
      boolean adapter = e.getKey().contains("lora_");
      assertEquals(adapter, e.getValue().requiresGrad(), e.getKey());
      if (adapter) assertNotNull(e.getValue().grad(), e.getKey());
      else assertNull(e.getValue().grad(), e.getKey());
    }
    // PEFT's keys: base_model.model.model.layers.N.self_attn.q_proj.lora_A.weight
    PeftAdapters.save(lm, "default", tmp.resolve("adapter"));
    Set<String> keys = SafeTensors.readAll(tmp.resolve("adapter/adapter_model.safetensors")).keySet();
    assertTrue(keys.contains("base_model.model.model.layers.1.self_attn.v_proj.lora_B.weight"), keys.toString());
    assertEquals(8, keys.size());
  }

  /** End to end: the whole model's gradient (biases, norms, the tied table) by finite differences. */
  @Test
  void wholeModelGradientMatchesFiniteDifferences() {
    LlamaConfig small = LlamaConfig.builder().modelType("qwen2").vocabSize(11).hiddenSize(8).intermediateSize(12)
        .numLayers(1).numHeads(2).numKvHeads(1).maxPositions(8).attentionBias(true).tieEmbeddings(true).build();
    Llama m = new Llama(small, 7);
    Rng rng = new Rng(8);
    for (Parameter p : m.parameters()) {   // unit-scale weights, so every path carries a visible gradient
      p.value().copyFrom(Tensor.randn(rng, 0f, 0.5f, p.shape()));
    }
    Map<String, Parameter> ps = m.namedParameters();
    int[] ids = {1, 4, 9, 2, 2, 10};
    int[] targets = {4, 9, 2, 2, 10, 3};
    org.jlora.autograd.GradCheck.check("llama loss", () -> m.loss(ids, targets, 2, 3),
        ps.get("model.embed_tokens.weight"), ps.get("model.layers.0.self_attn.q_proj.bias"),
        ps.get("model.layers.0.self_attn.k_proj.weight"), ps.get("model.layers.0.input_layernorm.weight"),
        ps.get("model.layers.0.mlp.down_proj.weight"), ps.get("model.norm.weight"));
  }

  @Test
  void loadErrorsNameTheTensorAndBothShapes() {
    Llama m = new Llama(CFG, 6);
    Map<String, Tensor> state = new java.util.HashMap<>(m.stateDict());
    state.put("model.layers.1.self_attn.k_proj.weight", Tensor.zeros(16, 16));
    String msg = assertThrows(ShapeException.class, () -> m.loadStateDict(state, true)).getMessage();
    assertTrue(msg.contains("model.layers.1.self_attn.k_proj.weight") && msg.contains("[16, 16]")
        && msg.contains("[8, 16]"), msg);
    state.remove("model.layers.1.self_attn.k_proj.weight");
    msg = assertThrows(IllegalArgumentException.class, () -> m.loadStateDict(state, true)).getMessage();
    assertTrue(msg.contains("missing keys [model.layers.1.self_attn.k_proj.weight]"), msg);
  }

  private static void assertClose(Tensor expected, Tensor actual, float tol, String what) {
    assertEquals(expected.size(), actual.size(), what);
    for (int i = 0; i < expected.size(); i++) assertEquals(expected.get(i), actual.get(i), tol, what + " at " + i);
  }
}
