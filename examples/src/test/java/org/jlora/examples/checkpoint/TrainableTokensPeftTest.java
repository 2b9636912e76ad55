package org.jlora.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jlora.autograd.F;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.llama.HfLlama;
import org.jlora.examples.model.llama.Llama;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import org.jlora.lora.TrainableTokensEmbedding;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * PEFT 0.21's trainable_token_indices on a Llama and a GPT-2, both with a tied head
 * (examples/src/test/python/make_trainable_tokens_goldens.py): the adapter PEFT trained (LoRA on
 * q_proj / v_proj, or c_attn, and rows 3, 5, 7 of the token embedding) loads into jlora with PEFT's logits, the rows'
 * gradient (lookup and tied head) is PEFT's, merging gives PEFT's merged logits, and an adapter
 * jlora writes loads back with the same logits, in jlora and in PEFT.
 */
class TrainableTokensPeftTest {
  private static final Path RES = Path.of("src/test/resources/peft");
  private static final double TOL = 1e-5;

  private static JsonNode golden(String name) throws IOException {
    return new ObjectMapper().readTree(RES.resolve(name + "-logits.json").toFile());
  }

  /** A Hugging Face directory as jlora's Llama or GPT-2 (both tie their head to the token embedding). */
  private static LanguageModel load(Path dir) throws IOException {
    return dir.getFileName().toString().startsWith("gpt2") ? Gpt2.load(dir) : HfLlama.load(dir);
  }

  private static int[] ids(JsonNode g) {
    return new ObjectMapper().convertValue(flatten(g.get("input_ids")), int[].class);   // [2, 9] row-major
  }

  private static JsonNode flatten(JsonNode rows) {
    var out = new ObjectMapper().createArrayNode();
    rows.forEach(r -> r.forEach(out::add));
    return out;
  }

  private static float[] logits(LanguageModel m, int[] ids) {
    m.eval();
    try (NoGrad ng = NoGrad.enter()) {
      return m.forward(ids, 2, ids.length / 2).value().toArray();
    }
  }

  @ParameterizedTest
  @CsvSource({"llama-tiny-tied-tokens, model.embed_tokens", "gpt2-tiny-tokens, transformer.wte"})
  void peftsAdapterGivesPeftsLogitsGradientAndMergedLogits(String name, String embedding) throws IOException {
    JsonNode g = golden(name);
    int[] ids = ids(g);
    LanguageModel model = load(RES.resolve(g.get("model").asText()));
    if (model instanceof Llama llama) assertTrue(llama.config().tieEmbeddings(), "the golden's head is tied");
    assertClose(g.get("base_logits"), logits(model, ids), "base model");

    LoraModel lm = PeftAdapters.fromPretrained(model, RES.resolve(g.get("adapter").asText()));
    assertEquals(List.of(3, 5, 7), lm.config("default").trainableTokenIndices());
    assertEquals(List.of(embedding), List.copyOf(lm.tokenLayers().keySet()), "the input embedding the list form means");
    TrainableTokensEmbedding tokens = lm.tokenLayers().get(embedding);
    assertClose(g.get("peft_logits"), logits(model, ids), "with the adapter (rows + LoRA)");
    assertClose(g.get("lm_head_row_3"), rowOf(tokens.table().value(), 3), "the tied head's row 3");

    // PEFT's loss: sum(logits * w), w[i] = sin(0.1 i) over the flattened [2, 9, 64] logits
    Variable out = model.forward(ids, 2, ids.length / 2);
    float[] w = new float[out.value().size()];
    for (int i = 0; i < w.length; i++) w[i] = (float) Math.sin(0.1 * i);
    F.sum(F.mul(out, Variable.constant(Tensor.of(w, out.shape())))).backward();
    Parameter rows = tokens.adapter("default").delta();
    assertClose(g.get("delta_grad"), rows.grad().toArray(), "the rows' gradient (lookup + tied head)");
    assertNull(tokens.weight().grad(), "the table itself stays frozen");
    model.zeroGrad();

    lm.mergeAndUnload();
    assertClose(g.get("merged_logits"), logits(model, ids), "merged");
  }

  @Test
  void jloraSavedAdapterLoadsBackWithTheSameLogits(@TempDir Path tmp) throws IOException {
    JsonNode g = golden("llama-tiny-tied-tokens");
    int[] ids = ids(g);
    Path base = RES.resolve(g.get("model").asText());
    Llama model = HfLlama.load(base);
    LoraModel lm = PeftAdapters.fromPretrained(model, RES.resolve(g.get("adapter").asText()));
    float[] want = logits(model, ids);
    Path out = Boolean.getBoolean("jlora.writeTokensGolden") ? RES.resolve("jlora-tied-tokens") : tmp.resolve("a");
    PeftAdapters.save(lm, "default", out);
    assertTrue(Files.exists(out.resolve(PeftAdapters.CONFIG_FILE)));
    Llama fresh = HfLlama.load(base);
    PeftAdapters.fromPretrained(fresh, out);
    float[] got = logits(fresh, ids);
    for (int i = 0; i < want.length; i++) assertEquals(want[i], got[i], 0f, "logit " + i);
  }

  /**
   * The other direction: PEFT loaded the adapter jlora wrote (jlora-tied-tokens/, made by the test
   * above with -Djlora.writeTokensGolden=true, then check_jlora_adapter.py, which fails on any key
   * PEFT does not take) and computed these logits; jlora computes the same.
   */
  @Test
  void peftLoadsJlorasAdapterWithTheSameLogits() throws IOException {
    JsonNode g = new ObjectMapper().readTree(RES.resolve("jlora-tied-tokens-logits.json").toFile());
    Llama model = HfLlama.load(RES.resolve(g.get("model").asText()));
    PeftAdapters.fromPretrained(model, RES.resolve(g.get("adapter").asText()));
    assertClose(g.get("logits"), logits(model, ids(g)), "PEFT with jlora's adapter");
  }

  private static float[] rowOf(Tensor table, int row) {
    int dim = table.dim(1);
    float[] out = new float[dim];
    System.arraycopy(table.toArray(), row * dim, out, 0, dim);
    return out;
  }

  /** max |want - got| / max |want| below 1e-5. */
  private static void assertClose(JsonNode want, float[] got, String what) {
    JsonNode flat = want;
    while (flat.get(0).isArray()) flat = flatten(flat);
    double max = 0, scale = 0;
    for (int i = 0; i < flat.size(); i++) {
      max = Math.max(max, Math.abs(flat.get(i).asDouble() - got[i]));
      scale = Math.max(scale, Math.abs(flat.get(i).asDouble()));
    }
    assertEquals(flat.size(), got.length, what + ": count");
    System.out.printf("%s: max rel diff vs PEFT %.3g%n", what, max / scale);
    assertTrue(max / scale < TOL, what + ": max rel diff " + max / scale);
  }
}
