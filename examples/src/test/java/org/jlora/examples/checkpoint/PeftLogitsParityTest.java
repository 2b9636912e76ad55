package org.jlora.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import org.jlora.autograd.NoGrad;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.llama.HfLlama;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Adapters PEFT 0.21 trained and saved (examples/src/test/python/make_peft_goldens.py) load into
 * jlora's models and give PeftModel's logits: the base model's, the adapted model's, and the
 * merged model's (merge_and_unload).
 */
class PeftLogitsParityTest {
  private static final Path RES = Path.of("src/test/resources/peft");

  @ParameterizedTest
  @ValueSource(strings = {"llama-tiny-lora", "llama-tiny-lora-all-linear", "gpt2-tiny-lora"})
  void peftAdaptersGivePeftsLogits(String name) throws IOException {
    JsonNode g = new ObjectMapper().readTree(RES.resolve(name + "-logits.json").toFile());
    Path baseDir = RES.resolve(g.get("model").asText());
    LanguageModel model = baseDir.getFileName().toString().startsWith("gpt2") ? Gpt2.load(baseDir) : HfLlama.load(baseDir);
    int[][] rows = new ObjectMapper().convertValue(g.get("input_ids"), int[][].class);
    int b = rows.length;
    int t = rows[0].length;
    int[] ids = new int[b * t];
    for (int r = 0; r < b; r++) System.arraycopy(rows[r], 0, ids, r * t, t);

    assertClose(g.get("base_logits"), logits(model, ids, b, t), name + ": base model");
    LoraModel lm = PeftAdapters.fromPretrained(model, RES.resolve(g.get("adapter").asText()));
    assertClose(g.get("peft_logits"), logits(model, ids, b, t), name + ": with the adapter");
    if (name.endsWith("all-linear")) {
      assertEquals(14, lm.loraLayers().size(), "q, k, v, o, gate, up, down in 2 layers; not lm_head");
    }
    lm.mergeAndUnload();
    assertClose(g.get("merged_logits"), logits(model, ids, b, t), name + ": merged");
  }

  private static float[] logits(LanguageModel m, int[] ids, int b, int t) {
    m.eval();
    try (NoGrad ng = NoGrad.enter()) {
      return m.forward(ids, b, t).value().toArray();
    }
  }

  /** max |want - got| / max |want| below 1e-5 over [B, T, V]. */
  private static void assertClose(JsonNode want, float[] got, String what) {
    double max = 0, scale = 0;
    int i = 0;
    for (JsonNode row : want) {
      for (JsonNode pos : row) {
        for (JsonNode v : pos) {
          max = Math.max(max, Math.abs(v.asDouble() - got[i++]));
          scale = Math.max(scale, Math.abs(v.asDouble()));
        }
      }
    }
    assertEquals(got.length, i, what + ": logit count");
    assertTrue(max / scale < 1e-5, what + ": max rel diff " + max / scale);
  }
}
