package org.jlora.examples.model.llama;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jlora.autograd.NoGrad;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.Llama2cCheckpoint;
import org.jlora.examples.model.KvCache;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Logits against transformers 5.18 (goldens by src/test/python/make_llama_goldens.py): tiny random
 * Hugging Face directories (GQA Llama untied, the same in BF16, Qwen2 with biases and tied
 * embeddings) and stories260K read from the llama2.c .bin against transformers on the converted
 * model. Bound: 1e-4 of the largest |logit| (float32 sums in a different order).
 */
class LlamaHfParityTest {
  static final Path DIR = Path.of("src/test/resources/llama");

  @TempDir Path tmp;

  /** Largest |ours - theirs| over max |theirs|, after checking the shapes agree. */
  static double relativeError(Tensor ours, Tensor theirs) {
    assertArrayEquals(theirs.shape(), ours.shape(), "logits shape");
    double worst = 0;
    double max = 0;
    for (int i = 0; i < theirs.size(); i++) {
      worst = Math.max(worst, Math.abs(ours.get(i) - theirs.get(i)));
      max = Math.max(max, Math.abs(theirs.get(i)));
    }
    return worst / max;
  }

  private static int[] ids(Tensor t) {
    int[] out = new int[t.size()];
    for (int i = 0; i < out.length; i++) out[i] = (int) t.get(i);
    return out;
  }

  private double parity(Llama model, Path goldens) throws IOException {
    Map<String, Tensor> g = SafeTensors.readAll(goldens);
    Tensor idsT = g.get("input_ids");
    int b = idsT.dim(0);
    int t = idsT.dim(1);
    try (NoGrad ng = NoGrad.enter()) {
      double err = relativeError(model.forward(ids(idsT), b, t).value(), g.get("logits"));
      // the cached path, token by token, agrees with the full forward's logits too
      KvCache cache = model.newCache(b);
      Tensor expected = g.get("logits");
      int v = model.vocabSize();
      int[] all = ids(idsT);
      for (int i = 0; i < t; i++) {
        int[] step = new int[b];
        for (int r = 0; r < b; r++) step[r] = all[r * t + i];
        Tensor logits = model.forward(step, b, 1, cache).value();
        for (int r = 0; r < b; r++) {
          for (int k = 0; k < v; k++) {
            err = Math.max(err, Math.abs(logits.get(r * v + k) - expected.get((r * t + i) * v + k))
                / maxAbs(expected));
          }
        }
      }
      return err;
    }
  }

  private static double maxAbs(Tensor t) {
    double m = 0;
    for (int i = 0; i < t.size(); i++) m = Math.max(m, Math.abs(t.get(i)));
    return m;
  }

  @Test
  void tinyLlamaWithGroupedQueryAttentionMatchesTransformers() throws IOException {
    Llama m = HfLlama.load(DIR.resolve("tiny-llama"));
    assertEquals("llama", m.architecture());
    assertEquals(2, m.config().numKvHeads());
    assertTrue(m.namedParameters().containsKey("lm_head.weight"));
    double err = parity(m, DIR.resolve("tiny-llama/goldens.safetensors"));
    System.out.printf("tiny-llama: max |logit diff| / max |logit| = %.3g%n", err);
    assertTrue(err < 1e-4, "relative error " + err);
  }

  @Test
  void bf16WeightsLoadAndMatchFloat32OnTheRoundedWeights() throws IOException {
    Llama m = HfLlama.load(DIR.resolve("tiny-llama-bf16"));
    double err = parity(m, DIR.resolve("tiny-llama-bf16/goldens.safetensors"));
    System.out.printf("tiny-llama-bf16: relative error %.3g%n", err);
    assertTrue(err < 1e-4, "relative error " + err);
  }

  @Test
  void tinyQwen2WithBiasesAndTiedEmbeddingsMatchesTransformers() throws IOException {
    Llama m = HfLlama.load(DIR.resolve("tiny-qwen2"));
    assertEquals("qwen2", m.architecture());
    assertEquals(1e6f, m.config().ropeTheta());
    assertTrue(m.namedParameters().containsKey("model.layers.0.self_attn.q_proj.bias"));
    assertTrue(!m.namedParameters().containsKey("model.layers.0.self_attn.o_proj.bias"));
    assertTrue(!m.namedParameters().containsKey("lm_head.weight"));
    assertTrue(m.headWeight() == m.model().embedTokens().weight(), "tied: the head is the embedding Parameter");
    double err = parity(m, DIR.resolve("tiny-qwen2/goldens.safetensors"));
    System.out.printf("tiny-qwen2: relative error %.3g%n", err);
    assertTrue(err < 1e-4, "relative error " + err);
  }

  /** The .bin read with the q/k permutation is the model transformers runs after conversion. */
  @Test
  void stories260KFromTheBinMatchesTransformersOnTheConvertedModel() throws IOException {
    Path bin = Path.of("../../shared/models/stories260K.bin");
    assumeTrue(Files.isRegularFile(bin), "stories260K.bin is not at " + bin.toAbsolutePath());
    Llama m = Llama2cCheckpoint.read(bin);
    double err = parity(m, DIR.resolve("stories260K-hf-logits.safetensors"));
    System.out.printf("stories260K vs transformers: relative error %.3g%n", err);
    assertTrue(err < 1e-4, "relative error " + err);
  }

  /**
   * A PEFT adapter made on the converted HF model (q, k, v, o projections) loads onto the model
   * read from the .bin and gives PEFT's logits: the row permutation makes adapter rows mean the same.
   */
  @Test
  void aPeftAdapterForTheConvertedModelAppliesToTheBinModel() throws IOException {
    Path bin = Path.of("../../shared/models/stories260K.bin");
    assumeTrue(Files.isRegularFile(bin), "stories260K.bin is not at " + bin.toAbsolutePath());
    Llama m = Llama2cCheckpoint.read(bin);
    LoraModel lm = PeftAdapters.fromPretrained(m, DIR.resolve("stories260K-peft-adapter"));
    assertEquals(20, lm.loraLayers().size());
    double err = parity(m, DIR.resolve("stories260K-peft-logits.safetensors"));
    System.out.printf("stories260K + PEFT adapter vs transformers/PEFT: relative error %.3g%n", err);
    assertTrue(err < 1e-4, "relative error " + err);
  }

  /** A sharded checkpoint (model.safetensors.index.json naming two shards) loads like a single file. */
  @Test
  void shardedDirectoriesLoad() throws IOException {
    Path src = DIR.resolve("tiny-llama");
    Path dir = tmp.resolve("sharded");
    Files.createDirectories(dir);
    Files.copy(src.resolve("config.json"), dir.resolve("config.json"));
    Map<String, Tensor> all = SafeTensors.readAll(src.resolve("model.safetensors"));
    Map<String, Tensor> a = new java.util.LinkedHashMap<>();
    Map<String, Tensor> b = new java.util.LinkedHashMap<>();
    StringBuilder index = new StringBuilder("{\"metadata\": {}, \"weight_map\": {");
    for (var e : all.entrySet()) {
      boolean first = e.getKey().startsWith("model.layers.0") || e.getKey().startsWith("model.embed");
      (first ? a : b).put(e.getKey(), e.getValue());
      if (index.charAt(index.length() - 1) != '{') index.append(", ");
      index.append('"').append(e.getKey()).append("\": \"").append(first ? "model-00001-of-00002.safetensors"
          : "model-00002-of-00002.safetensors").append('"');
    }
    Files.writeString(dir.resolve("model.safetensors.index.json"), index.append("}}").toString());
    SafeTensors.write(dir.resolve("model-00001-of-00002.safetensors"), a);
    SafeTensors.write(dir.resolve("model-00002-of-00002.safetensors"), b);
    Llama m = HfLlama.load(dir);
    assertTrue(parity(m, src.resolve("goldens.safetensors")) < 1e-4);
  }

  /** save then load: the same tensors and a config.json that reads back to the same config. */
  @Test
  void saveAndLoadRoundTrip() throws IOException {
    Llama m = HfLlama.load(DIR.resolve("tiny-qwen2"));
    HfLlama.save(m, tmp.resolve("out"));
    Llama back = HfLlama.load(tmp.resolve("out"));
    assertEquals(m.config(), back.config());
    for (var e : m.stateDict().entrySet()) {
      assertArrayEquals(e.getValue().toArray(), back.stateDict().get(e.getKey()).toArray(), 0f, e.getKey());
    }
  }
}
