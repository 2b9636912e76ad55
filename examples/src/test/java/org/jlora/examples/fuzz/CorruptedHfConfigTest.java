package org.jlora.examples.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.HfDirectory;
import org.jlora.examples.model.gpt2.Gpt2Config;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.lora.fuzz.Corruptions;
import org.jlora.lora.fuzz.ParserContract;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The corruption property for a Hugging Face {@code config.json} (Llama, Qwen2 and GPT-2 test
 * models), read as jlora reads it: every truncation gives the same config or a clear error; every
 * flipped byte gives the same config, another valid one that round-trips, or a clear error.
 */
class CorruptedHfConfigTest {
  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"llama/tiny-llama", "llama/tiny-qwen2", "gpt2/tiny"})
  void truncatedConfigsReadTheSameOrAreRefused(String model) throws IOException {
    byte[] valid = configOf(model);
    Object expected = read(valid);
    assertNotNull(expected, "the valid config reads");
    Corruptions.checkAll(Corruptions.truncations(valid), v -> {
      Object cfg = read(v.bytes());
      if (cfg != null) assertEquals(expected, cfg, "a truncated config read as a different one");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"llama/tiny-llama", "llama/tiny-qwen2", "gpt2/tiny"})
  void flippedConfigsReadAsAValidConfigOrAreRefused(String model) throws IOException {
    Corruptions.checkAll(Corruptions.flips(configOf(model), 5), v -> {
      Object cfg = read(v.bytes());
      if (cfg instanceof LlamaConfig llama) {
        HfConfigFuzzTest.assertSane(llama);
        assertEquals(llama, LlamaConfig.fromHfConfig(llama.toHfConfig(), "again"));
      }
      if (cfg instanceof Gpt2Config gpt2) {
        HfConfigFuzzTest.assertSane(gpt2);
        assertEquals(gpt2, Gpt2Config.fromHfConfig(gpt2.toHfConfig(), "again"));
      }
    });
  }

  private static byte[] configOf(String model) throws IOException {
    return Files.readAllBytes(Path.of("src/test/resources", model, HfDirectory.CONFIG));
  }

  /** The config as its model type reads it (Llama/Qwen2 or GPT-2), or null when refused properly. */
  private Object read(byte[] config) throws IOException {
    Files.write(dir.resolve(HfDirectory.CONFIG), config);
    Path weights = dir.resolve(HfDirectory.WEIGHTS);
    if (!Files.exists(weights)) Files.write(weights, TinyFiles.safetensors(Map.of("w", Tensor.ones(1))));
    JsonNode json = ParserContract.parsed(() -> {
      try (HfDirectory hf = HfDirectory.open(dir)) {
        return hf.config();
      }
    });
    if (json == null) return null;
    return "gpt2".equals(json.path("model_type").asText())
        ? ParserContract.parsed(() -> Gpt2Config.fromHfConfig(json, "config.json"))
        : ParserContract.parsed(() -> LlamaConfig.fromHfConfig(json, "config.json"));
  }
}
