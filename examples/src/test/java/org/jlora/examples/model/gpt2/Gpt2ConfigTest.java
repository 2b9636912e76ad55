package org.jlora.examples.model.gpt2;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

/** Reading and writing Hugging Face's GPT-2 config.json, and what is refused by name. */
class Gpt2ConfigTest {
  static final Gpt2Config TINY = new Gpt2Config(100, 32, 32, 2, 4, 128, 1e-5f, 0f);

  @Test
  void toHfConfigReadsBackToTheSameConfig() {
    assertEquals(TINY, Gpt2Config.fromHfConfig(TINY.toHfConfig(), "config.json"));
    Gpt2Config wide = new Gpt2Config(50, 16, 8, 1, 2, 20, 1e-6f, 0.1f);
    assertEquals(wide, Gpt2Config.fromHfConfig(wide.toHfConfig(), "config.json"));
    assertEquals("GPT2LMHeadModel", TINY.toHfConfig().get("architectures").get(0).asText());
  }

  @Test
  void gpt2sDefaultsApplyToAbsentFields() throws Exception {
    ObjectNode o = (ObjectNode) new ObjectMapper().readTree(
        "{\"vocab_size\": 50257, \"n_positions\": 1024, \"n_embd\": 768, \"n_layer\": 12, \"n_head\": 12}");
    assertEquals(new Gpt2Config(50257, 1024, 768, 12, 12, 3072, 1e-5f, 0.1f), Gpt2Config.fromHfConfig(o, "config.json"));
  }

  @Test
  void whatThisModelDoesNotComputeIsRefusedByName() {
    assertRefused("activation_function", "relu", "gelu_new");
    assertRefused("activation_function", "gelu", "gelu_new");
    assertRefused("scale_attn_by_inverse_layer_idx", true, "scale_attn_by_inverse_layer_idx");
    assertRefused("reorder_and_upcast_attn", true, "reorder_and_upcast_attn");
    assertRefused("tie_word_embeddings", false, "tie_word_embeddings");
    assertRefused("scale_attn_weights", false, "scale_attn_weights");
    assertRefused("add_cross_attention", true, "add_cross_attention");
    assertRefused("model_type", "llama", "model_type");
    assertRefused("attn_pdrop", 0.2, "attn_pdrop");
    assertRefused("n_head", 5, "n_head");
    assertRefused("n_embd", "wide", "n_embd");
    assertRefused("layer_norm_epsilon", 1e39, "32-bit float");   // was read as Infinity
  }

  private static void assertRefused(String key, Object value, String named) {
    ObjectNode o = TINY.toHfConfig();
    o.set(key, new ObjectMapper().valueToTree(value));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Gpt2Config.fromHfConfig(o, "dir/config.json"));
    assertTrue(e.getMessage().startsWith("dir/config.json: "), e.getMessage());
    assertTrue(e.getMessage().contains(named), e.getMessage());
  }
}
