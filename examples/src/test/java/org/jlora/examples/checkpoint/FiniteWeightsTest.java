package org.jlora.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.engine.Tensor;
import org.jlora.examples.data.Tasks;
import org.jlora.examples.gpt.Checkpoint;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.gpt2.Gpt2Config;
import org.jlora.examples.model.llama.HfLlama;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One NaN in a weight file is refused by every loader, naming the tensor and where in it. */
class FiniteWeightsTest {
  static final LlamaConfig LLAMA = LlamaConfig.builder().vocabSize(20).hiddenSize(16).intermediateSize(24).numLayers(2)
      .numHeads(4).numKvHeads(2).maxPositions(8).build();

  @AfterEach
  void refuseAgain() {
    FiniteWeights.allowNonFinite(false);
  }

  @Test
  void namesTheTensorTheFirstBadElementAndTheWayOut() {
    Map<String, Tensor> w = new LinkedHashMap<>();
    w.put("fine", Tensor.ones(2, 3));
    float[] d = new float[12];
    d[7] = Float.NaN;
    d[9] = Float.POSITIVE_INFINITY;
    w.put("bad", Tensor.of(d, 3, 4));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> FiniteWeights.require(w, "m.safetensors"));
    assertEquals("m.safetensors: tensor 'bad' holds NaN at [1, 3] (2 of 12 values are not finite); the file is damaged "
        + "or was saved from a run that diverged.\nUse another checkpoint, or pass --allow-non-finite to load it anyway.",
        e.getMessage());
    assertNull(FiniteWeights.describeFirst(Map.of("fine", Tensor.ones(4))));
    FiniteWeights.allowNonFinite(true);
    assertDoesNotThrow(() -> FiniteWeights.require(w, "m.safetensors"), "--allow-non-finite: a warning only");
  }

  @Test
  void everyLoaderRefusesANaN(@TempDir Path dir) throws Exception {
    // the small GPT's checkpoint
    Gpt gpt = new Gpt(new GptConfig(Tasks.tokenizer().vocabSize(), 16, 1, 2, 16, 0f), 1L);
    Path ckpt = dir.resolve("gpt");
    Checkpoint.save(ckpt, gpt, Tasks.tokenizer(), null);
    poison(ckpt.resolve(Checkpoint.MODEL), "transformer.h.0.attn.c_attn.weight");
    assertRefused(() -> Checkpoint.load(ckpt), "transformer.h.0.attn.c_attn.weight");

    // a Hugging Face GPT-2 directory
    Gpt2 gpt2 = new Gpt2(new Gpt2Config(20, 8, 16, 1, 2, 32, 1e-5f, 0f), 1L);
    Path hfGpt2 = dir.resolve("gpt2");
    gpt2.save(hfGpt2);
    poison(hfGpt2.resolve(Gpt2.WEIGHTS), "transformer.wte.weight");
    assertRefused(() -> Gpt2.load(hfGpt2), "transformer.wte.weight");

    // a Hugging Face Llama directory
    Llama llama = new Llama(LLAMA, 2L);
    Path hfLlama = dir.resolve("llama");
    HfLlama.save(llama, hfLlama);
    poison(hfLlama.resolve("model.safetensors"), "model.layers.1.mlp.down_proj.weight");
    assertRefused(() -> HfLlama.load(hfLlama), "model.layers.1.mlp.down_proj.weight");

    // a llama2.c checkpoint
    Llama bad = new Llama(LLAMA, 2L);
    bad.stateDict().get("model.norm.weight").set(5, Float.NEGATIVE_INFINITY);
    Path bin = dir.resolve("model.bin");
    Llama2cCheckpoint.write(bad, bin);
    assertRefused(() -> Llama2cCheckpoint.read(bin), "model.norm.weight");

    FiniteWeights.allowNonFinite(true);
    assertTrue(Float.isNaN(HfLlama.load(hfLlama).stateDict().get("model.layers.1.mlp.down_proj.weight").get(3)),
        "--allow-non-finite loads it as it is");
  }

  @Test
  void aCheckpointIsNeverSavedWithNonFiniteWeights(@TempDir Path dir) {
    Gpt gpt = new Gpt(new GptConfig(Tasks.tokenizer().vocabSize(), 16, 1, 2, 16, 0f), 1L);
    gpt.stateDict().get("transformer.ln_f.weight").set(0, Float.NaN);
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> Checkpoint.save(dir.resolve("ckpt"), gpt, Tasks.tokenizer(), null));
    assertTrue(e.getMessage().contains("transformer.ln_f.weight"), e.getMessage());
    assertFalse(dir.resolve("ckpt").toFile().exists());
  }

  /** Rewrites {@code file} with element 3 of {@code name} set to NaN. */
  private static void poison(Path file, String name) throws Exception {
    Map<String, Tensor> all = new LinkedHashMap<>(SafeTensors.readAll(file));
    Tensor t = all.get(name).copy();
    t.set(3, Float.NaN);
    all.put(name, t);
    SafeTensors.write(file, all);
  }

  private static void assertRefused(org.junit.jupiter.api.function.Executable load, String tensor) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, load);
    assertTrue(e.getMessage().contains("tensor '" + tensor + "' holds ") && e.getMessage().contains("--allow-non-finite"),
        e.getMessage());
  }
}
