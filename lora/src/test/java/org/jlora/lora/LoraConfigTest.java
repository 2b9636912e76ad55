package org.jlora.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** LoraConfig: PEFT's adapter_config.json both ways, target matching, rank/alpha patterns, bad input. */
class LoraConfigTest {

  /** What PEFT 0.13's LoraConfig.save_pretrained writes for a GPT-2 c_attn/c_proj adapter (every key). */
  static final String PEFT_013_SAMPLE = """
      {
        "alpha_pattern": {"c_proj": 32},
        "auto_mapping": null,
        "base_model_name_or_path": "gpt2",
        "bias": "lora_only",
        "fan_in_fan_out": true,
        "inference_mode": true,
        "init_lora_weights": "gaussian",
        "layer_replication": null,
        "layers_pattern": null,
        "layers_to_transform": null,
        "loftq_config": {},
        "lora_alpha": 16,
        "lora_dropout": 0.05,
        "megatron_config": null,
        "megatron_core": "megatron.core",
        "modules_to_save": ["lm_head"],
        "peft_type": "LORA",
        "r": 8,
        "rank_pattern": {"c_proj": 4},
        "revision": null,
        "target_modules": ["c_proj", "c_attn"],
        "task_type": "CAUSAL_LM",
        "use_dora": false,
        "use_rslora": false
      }
      """;

  @Test
  void peftSampleParses() {
    LoraConfig c = LoraConfig.fromPeftJson(PEFT_013_SAMPLE, "adapter_config.json");
    assertEquals(8, c.r());
    assertEquals(16f, c.loraAlpha());
    assertEquals(0.05f, c.loraDropout());
    assertEquals(List.of("c_proj", "c_attn"), c.targetModules());
    assertNull(c.targetRegex());
    assertEquals(List.of("lm_head"), c.modulesToSave());
    assertEquals(Bias.LORA_ONLY, c.bias());
    assertTrue(c.fanInFanOut());
    assertFalse(c.useRslora());
    assertEquals(InitLoraWeights.GAUSSIAN, c.initLoraWeights());
    assertEquals(4, c.rankFor("transformer.h.0.attn.c_proj"));
    assertEquals(8, c.rankFor("transformer.h.0.attn.c_attn"));
    assertEquals(8f, c.scalingFor("transformer.h.0.attn.c_proj"));   // 32 / 4
    assertEquals(2f, c.scalingFor("transformer.h.0.attn.c_attn"));   // 16 / 8
  }

  @Test
  void jsonRoundTripKeepsEveryField() {
    LoraConfig c = LoraConfig.builder().r(4).loraAlpha(12).loraDropout(0.1f).targetRegex(".*\\.(q|v)_proj")
        .modulesToSave("head").bias(Bias.ALL).fanInFanOut(true).useRslora(true)
        .initLoraWeights(InitLoraWeights.RANDOM).rankPattern("q_proj", 2).alphaPattern("v_proj", 3f).build();
    String json = c.toPeftJson();
    assertTrue(json.contains("\"peft_type\" : \"LORA\""), json);
    LoraConfig back = LoraConfig.fromPeftJson(json, "round trip");
    assertEquals(json, back.toPeftJson());
    assertEquals(".*\\.(q|v)_proj", back.targetRegex());
    assertEquals(InitLoraWeights.RANDOM, back.initLoraWeights());
    assertEquals(Bias.ALL, back.bias());
    assertTrue(back.useRslora());
    assertEquals((float) (3 / Math.sqrt(4)), back.scalingFor("m.v_proj"));   // rsLoRA: alpha / sqrt(r)
    assertEquals(Map.of("q_proj", 2), back.rankPattern());
    LoraConfig list = LoraConfig.fromPeftJson(LoraConfig.fromPeftJson(PEFT_013_SAMPLE, "s").toPeftJson(), "again");
    assertEquals(List.of("c_proj", "c_attn"), list.targetModules());
  }

  @Test
  void suffixListVersusFullMatchRegex() {
    LoraConfig list = LoraConfig.builder().targetModules("c_attn").build();
    assertTrue(list.matchesTarget("c_attn"));
    assertTrue(list.matchesTarget("h.0.attn.c_attn"));
    assertFalse(list.matchesTarget("h.0.attn.xc_attn"));
    assertFalse(list.matchesTarget("h.0.c_attn.lora_A"));
    LoraConfig regex = LoraConfig.builder().targetRegex("h\\.\\d+\\.attn\\.c_attn").build();
    assertTrue(regex.matchesTarget("h.11.attn.c_attn"));
    assertFalse(regex.matchesTarget("transformer.h.11.attn.c_attn"), "a regex must match the whole name");
  }

  @Test
  void patternsFirstMatchingKeyWinsInInsertionOrder() {
    // both keys match "h.0.c_attn"; PEFT takes the first in the dict's order
    LoraConfig a = LoraConfig.builder().targetModules("c_attn").rankPattern("c_attn", 4).rankPattern("h.0.c_attn", 2)
        .alphaPattern("c_attn", 5f).alphaPattern("h.0.c_attn", 7f).build();
    LoraConfig b = LoraConfig.builder().targetModules("c_attn").rankPattern("h.0.c_attn", 2).rankPattern("c_attn", 4)
        .alphaPattern("h.0.c_attn", 7f).alphaPattern("c_attn", 5f).build();
    assertEquals(4, a.rankFor("h.0.c_attn"));
    assertEquals(5f, a.alphaFor("h.0.c_attn"));
    assertEquals(2, b.rankFor("h.0.c_attn"));
    assertEquals(7f, b.alphaFor("h.0.c_attn"));
    assertEquals(4, b.rankFor("h.1.c_attn"));
    assertEquals(List.of("h.0.c_attn", "c_attn"), List.copyOf(b.rankPattern().keySet()));
    assertEquals(List.copyOf(b.rankPattern().keySet()),
        List.copyOf(LoraConfig.fromPeftJson(b.toPeftJson(), "b").rankPattern().keySet()));
  }

  @Test
  void theConfigPeft021WritesLoads() throws java.io.IOException {
    // written by PEFT 0.21's save_pretrained (examples/src/test/python/make_peft_goldens.py)
    String json = new String(getClass().getResourceAsStream("/peft/peft-0.21-adapter_config.json").readAllBytes(),
        java.nio.charset.StandardCharsets.UTF_8);
    LoraConfig c = LoraConfig.fromPeftJson(json, "adapter_config.json");
    assertEquals(4, c.r());
    assertEquals(8f, c.loraAlpha());
    assertEquals(List.of("v_proj", "q_proj"), c.targetModules());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LoraConfig.fromPeftJson(json.replace("\"use_bdlora\": null", "\"use_bdlora\": {\"block_size\": 4}"), "f.json"));
    assertTrue(e.getMessage().contains("use_bdlora"), e.getMessage());
  }

  @Test
  void peftDefaultsOfUnsupportedFieldsAreAccepted() {
    LoraConfig c = LoraConfig.fromPeftJson("{\"target_modules\": [\"q\"], \"exclude_modules\": null, \"lora_bias\": false,"
        + " \"trainable_token_indices\": null, \"target_parameters\": null, \"alora_invocation_tokens\": null,"
        + " \"use_qalora\": false, \"megatron_config\": null, \"layer_replication\": null}", "f.json");
    assertEquals(List.of("q"), c.targetModules());
  }

  @Test
  void targetingFieldsRoundTripThroughPeftJson() {
    LoraConfig c = LoraConfig.fromPeftJson("{\"target_modules\": [\"q\", \"v\"], \"exclude_modules\": [\"layers.1.q\"],"
        + " \"layers_to_transform\": 2, \"layers_pattern\": \"layers\", \"use_dora\": true}", "f.json");
    assertEquals(List.of("layers.1.q"), c.excludeModules());
    assertEquals(List.of(2), c.layersToTransform());
    assertEquals(List.of("layers"), c.layersPattern());
    assertTrue(c.useDora());
    LoraConfig back = LoraConfig.fromPeftJson(c.toPeftJson(), "again");
    assertEquals(c.toPeftJson(), back.toPeftJson());
    LoraConfig regex = LoraConfig.fromPeftJson("{\"target_modules\": [\"q\"], \"exclude_modules\": \".*\\\\.0\\\\.q\"}", "f.json");
    assertEquals(".*\\.0\\.q", regex.excludeRegex());
  }

  @Test
  void trainableTokenIndicesRoundTripInBothOfPeftsForms() {
    LoraConfig list = LoraConfig.fromPeftJson("{\"target_modules\": [\"q\"], \"trainable_token_indices\": [3, 5, 7]}", "f.json");
    assertEquals(List.of(3, 5, 7), list.trainableTokenIndices());
    assertTrue(list.toPeftJson().replaceAll("\\s", "").contains("\"trainable_token_indices\":[3,5,7]"), list.toPeftJson());
    assertEquals(list.toPeftJson(), LoraConfig.fromPeftJson(list.toPeftJson(), "again").toPeftJson());

    LoraConfig dict = LoraConfig.fromPeftJson("{\"target_modules\": [\"q\"], \"trainable_token_indices\": "
        + "{\"embed_tokens\": [1], \"wpe\": [0, 2]}}", "f.json");
    assertNull(dict.trainableTokenIndices());
    assertEquals(Map.of("embed_tokens", List.of(1), "wpe", List.of(0, 2)), dict.trainableTokens());
    assertTrue(dict.toPeftJson().replaceAll("\\s", "").contains("\"trainable_token_indices\":{\"embed_tokens\":[1],\"wpe\":[0,2]}"));
    assertEquals(dict.toPeftJson(), LoraConfig.fromPeftJson(dict.toPeftJson(), "again").toPeftJson());

    LoraConfig none = LoraConfig.fromPeftJson("{\"target_modules\": [\"q\"]}", "f.json");
    assertFalse(none.hasTrainableTokens());
    assertTrue(none.toPeftJson().replaceAll("\\s", "").contains("\"trainable_token_indices\":null"));
  }

  @Test
  void badConfigsAreRefusedNamingTheFieldAndSource() {
    String[][] cases = {
        {"{", "f.json: not valid JSON"},
        {"{\"peft_type\": \"IA3\", \"target_modules\": [\"q\"]}", "peft_type is 'IA3'"},
        {"{\"use_dora\": true, \"target_modules\": [\"q\"], \"enable_lora\": null, \"layer_replication\": [[0, 1]]}",
            "layer_replication is [[0,1]] (layers duplicated"},
        {"{\"target_modules\": \"q\", \"layers_to_transform\": [0, 1]}", "layers_to_transform cannot be used when target_modules is a regex"},
        {"{\"target_modules\": [\"q\"], \"layers_pattern\": \"layers\"}", "layers_pattern [layers] needs layers_to_transform"},
        {"{\"target_modules\": [\"q\"], \"exclude_modules\": \"(k\"}", "exclude_modules regex '(k' is invalid"},
        {"{\"target_modules\": [\"q\"], \"lora_bias\": true, \"use_dora\": true}", "lora_bias is not supported with use_dora"},
        {"{\"target_modules\": [\"q\"], \"trainable_token_indices\": [3, -4]}", "trainable_token_indices [3, -4] holds -4"},
        {"{\"target_modules\": [\"q\"], \"trainable_token_indices\": {\"wte\": 3}}", "trainable_token_indices['wte'] must be a list"},
        {"{\"target_modules\": [\"q\"], \"trainable_token_indices\": [3.5]}", "must hold integer token ids"},
        {"{\"target_modules\": [\"q\"], \"modules_to_save\": [\"wte\"], \"trainable_token_indices\": {\"wte\": [1]}}",
            "'wte' is in modules_to_save and in trainable_token_indices"},
        {"{\"target_modules\": [\"q\"], \"target_parameters\": [\"experts.w\"]}", "target_parameters"},
        {"{\"target_modules\": [\"q\"], \"alora_invocation_tokens\": [7]}", "alora_invocation_tokens"},
        {"{\"target_modules\": [\"q\"], \"init_lora_weights\": \"corda\"}", "init_lora_weights 'corda' is not supported"},
        {"{\"target_modules\": [\"q\"], \"init_lora_weights\": \"pissa_niter_x\"}", "pissa_niter_N must be an integer"},
        {"{\"target_modules\": [\"q\"], \"r\": 2.5}", "r must be an integer"},
        {"{\"target_modules\": [\"q\"], \"bias\": \"some\"}", "bias must be one of"},
        {"{\"r\": 4}", "target_modules"},
        {"{\"target_modules\": [\"q\"], \"lora_dropout\": 1.0}", "lora_dropout must be in [0, 1)"},
        {"{\"target_modules\": [\"q\"], \"rank_pattern\": {\"q\": 0}}", "rank_pattern['q'] must be > 0"},
        {"{\"target_modules\": \"(unclosed\"}", "regex '(unclosed' is invalid"},
        // read as 0, Infinity or the names "1" and "null" before: an adapter that silently computed garbage
        {"{\"target_modules\": [\"q\"], \"lora_alpha\": \"sixteen\"}", "lora_alpha must be a finite number"},
        {"{\"target_modules\": [\"q\"], \"lora_alpha\": 1e39}", "lora_alpha must be a finite number"},
        {"{\"target_modules\": [\"q\"], \"lora_dropout\": \"x\"}", "lora_dropout must be a finite number"},
        {"{\"target_modules\": [\"q\"], \"alpha_pattern\": {\"q\": \"x\"}}", "alpha_pattern['q'] must be a finite number"},
        {"{\"target_modules\": [\"q\"], \"rank_pattern\": {\"q\": 2.5}}", "rank_pattern['q'] must be an integer"},
        {"{\"target_modules\": [1, null]}", "target_modules must list names"},
        {"{\"target_modules\": [\"q\"], \"modules_to_save\": [{}]}", "modules_to_save must list names"},
    };
    for (String[] c : cases) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> LoraConfig.fromPeftJson(c[0], "f.json"), c[0]);
      assertTrue(e.getMessage().startsWith("f.json: ") && e.getMessage().contains(c[1]), c[0] + " -> " + e.getMessage());
    }
  }
}
