package org.jlora.lora.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jlora.engine.Tensor;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.PeftAdapters;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corruption property for {@code adapter_config.json}: every truncation reads as the same
 * config or is refused with a message, and so does every flipped byte, except that a flip may
 * also give another valid config (a digit of r, say), which must then round-trip like any other.
 * Never another exception, an OutOfMemoryError or a hang ({@link Corruptions}). The
 * safetensors half of an adapter has its own property test in {@code SafeTensorsMalformedFileTest}.
 */
class CorruptedAdapterConfigTest {
  /** PEFT's fields that jlora reads, with a rank_pattern and a regex target to be corrupted too. */
  private static final String CONFIG = """
      {"peft_type": "LORA", "r": 4, "lora_alpha": 8.5, "lora_dropout": 0.05, "target_modules": ".*\\\\.(q|v)_proj",
       "modules_to_save": ["lm_head"], "bias": "lora_only", "fan_in_fan_out": false, "use_rslora": true,
       "use_dora": false, "init_lora_weights": "gaussian", "rank_pattern": {"q_proj": 8}, "alpha_pattern": {"v_proj": 2},
       "layers_to_transform": null}
      """;

  @TempDir
  Path dir;

  @Test
  void truncatedConfigsReadTheSameOrAreRefused() throws IOException {
    String expected = readConfig(CONFIG.getBytes(java.nio.charset.StandardCharsets.UTF_8)).toPeftJson();
    Corruptions.checkAll(Corruptions.truncations(CONFIG.getBytes(java.nio.charset.StandardCharsets.UTF_8)), v -> {
      LoraConfig cfg = readConfig(v.bytes());
      if (cfg != null) assertEquals(expected, cfg.toPeftJson(), "a truncated config read as a different one");
    });
  }

  @Test
  void flippedConfigsReadAsAValidConfigOrAreRefused() {
    Corruptions.checkAll(Corruptions.flips(CONFIG.getBytes(java.nio.charset.StandardCharsets.UTF_8), 11), v -> {
      LoraConfig cfg = readConfig(v.bytes());
      if (cfg != null) {
        AdapterConfigFuzzTest.assertSane(cfg);
        String json = cfg.toPeftJson();
        assertEquals(json, LoraConfig.fromPeftJson(json, "re-serialised").toPeftJson());
      }
    });
  }

  /** The config {@code PeftAdapters.readConfig} reads from these bytes, or null when it refused them properly. */
  private LoraConfig readConfig(byte[] config) throws IOException {
    Files.write(dir.resolve(PeftAdapters.CONFIG_FILE), config);
    Path weights = dir.resolve(PeftAdapters.WEIGHTS_FILE);
    if (!Files.exists(weights)) SafeTensors.write(weights, Map.of("x", Tensor.ones(1)), Map.of("format", "pt"));
    return ParserContract.parsed(() -> PeftAdapters.readConfig(dir));
  }

  @Test
  void theValidConfigReads() throws IOException {
    assertNotNull(readConfig(CONFIG.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
  }
}
