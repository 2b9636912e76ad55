package org.jlora.examples.model.llama;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import org.jlora.engine.RopeLayout;
import org.junit.jupiter.api.Test;

/** config.json reading (transformers 4 and 5 forms), writing, and refusals that name file and key. */
class LlamaConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static ObjectNode llama() {
    ObjectNode o = JSON.createObjectNode();
    o.put("model_type", "llama");
    o.put("vocab_size", 100);
    o.put("hidden_size", 32);
    o.put("intermediate_size", 64);
    o.put("num_hidden_layers", 2);
    o.put("num_attention_heads", 4);
    return o;
  }

  @Test
  void readsTheTinyDirectoriesConfigs() throws IOException {
    LlamaConfig l = HfLlama.readConfig(Path.of("src/test/resources/llama/tiny-llama"));
    assertEquals(LlamaConfig.builder().vocabSize(100).hiddenSize(32).intermediateSize(64).numLayers(2).numHeads(4)
        .numKvHeads(2).headDim(8).maxPositions(64).rmsEps(1e-5f).ropeTheta(10000f).bosTokenId(1).eosTokenId(2)
        .build(), l);
    LlamaConfig q = HfLlama.readConfig(Path.of("src/test/resources/llama/tiny-qwen2"));
    assertTrue(q.attentionBias());
    assertFalse(q.outputBias());
    assertTrue(q.tieEmbeddings());
    assertEquals(1e6f, q.ropeTheta());
  }

  @Test
  void defaultsAndTheTransformers4Form() {
    ObjectNode o = llama();
    o.put("rope_theta", 500000.0);   // transformers 4 wrote it at the top level
    LlamaConfig c = LlamaConfig.fromHfConfig(o, "config.json");
    assertEquals(4, c.numKvHeads(), "num_key_value_heads defaults to the heads");
    assertEquals(8, c.headDim(), "head_dim defaults to hidden / heads");
    assertEquals(500000f, c.ropeTheta());
    assertEquals(2048, c.maxPositions());
    assertEquals(RopeLayout.HALVES, c.ropeLayout());
    o.put("attention_bias", true);
    assertTrue(LlamaConfig.fromHfConfig(o, "config.json").outputBias(), "Llama's attention_bias covers o_proj");
  }

  @Test
  void toHfConfigReadsBackToTheSameConfig() {
    LlamaConfig c = LlamaConfig.builder().modelType("qwen2").vocabSize(50).hiddenSize(16).intermediateSize(24)
        .numLayers(1).numHeads(4).numKvHeads(1).maxPositions(32).rmsEps(1e-6f).ropeTheta(1e6f).tieEmbeddings(true)
        .attentionBias(true).build();
    assertEquals(c, LlamaConfig.fromHfConfig(c.toHfConfig(), "written"));
    assertEquals("Qwen2ForCausalLM", c.toHfConfig().get("architectures").get(0).asText());
    LlamaConfig interleaved = c.toBuilder().modelType("llama").attentionBias(false).ropeLayout(RopeLayout.INTERLEAVED).build();
    assertThrows(IllegalStateException.class, interleaved::toHfConfig);
  }

  @Test
  void unsupportedSettingsAreRefusedNamingFileAndKey() {
    refused("model_type", "\"gpt2\"", o -> o.put("model_type", "gpt2"));
    refused("hidden_act", "gelu", o -> o.put("hidden_act", "gelu"));
    refused("mlp_bias", "true", o -> o.put("mlp_bias", true));
    refused("use_sliding_window", "true", o -> o.put("use_sliding_window", true));
    refused("rope_scaling", "llama3", o -> o.putObject("rope_scaling").put("rope_type", "llama3"));
    refused("rope_scaling", "linear", o -> o.putObject("rope_scaling").put("type", "linear"));
    refused("rope_parameters", "yarn", o -> o.putObject("rope_parameters").put("rope_type", "yarn"));
    refused("layer_types", "sliding_attention", o -> o.putArray("layer_types").add("sliding_attention"));
    refused("hidden_size", "missing", o -> o.remove("hidden_size"));
    refused("num_attention_heads", "integer", o -> o.put("num_attention_heads", "four"));
    // read before as -1 ("none", a different config on a round trip), 0 and Infinity
    refused("bos_token_id", ">= 0", o -> o.put("bos_token_id", -5));
    refused("eos_token_id", ">= 0", o -> o.putArray("eos_token_id").add("x"));
    refused("rope_theta", "32-bit float", o -> o.put("rope_theta", 1e39));
    refused("rms_norm_eps", "32-bit float", o -> o.put("rms_norm_eps", -1e39));
    // a null rope_scaling (transformers 4's default) is fine
    ObjectNode o = llama();
    o.putNull("rope_scaling");
    LlamaConfig.fromHfConfig(o, "ok.json");
  }

  private static void refused(String key, String detail, java.util.function.Consumer<ObjectNode> edit) {
    ObjectNode o = llama();
    edit.accept(o);
    String msg = assertThrows(IllegalArgumentException.class, () -> LlamaConfig.fromHfConfig(o, "dir/config.json"))
        .getMessage();
    assertTrue(msg.startsWith("dir/config.json: \"" + key + "\""), msg);
    assertTrue(msg.contains(detail), msg);
    assertFalse(msg.contains("\n"), "one line: " + msg);
  }

  @Test
  void impossibleShapesAreRefused() {
    var b = LlamaConfig.builder().vocabSize(10).hiddenSize(16).intermediateSize(8).numLayers(1);
    assertThrows(IllegalArgumentException.class, () -> b.numHeads(4).numKvHeads(3).build());
    assertThrows(IllegalArgumentException.class, () -> b.numHeads(4).numKvHeads(4).headDim(3).build());
    assertThrows(IllegalArgumentException.class, () -> b.numHeads(4).headDim(4).modelType("mistral").build());
  }
}
