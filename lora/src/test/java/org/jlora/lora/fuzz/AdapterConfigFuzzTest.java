package org.jlora.lora.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.PeftAdapters;

/**
 * Coverage-guided fuzzing of an adapter directory's config: {@code PeftAdapters.readConfig}, which
 * parses {@code adapter_config.json} ({@code LoraConfig.fromPeftJson}) and restores loralib's
 * MergedLinear masks from the metadata of {@code adapter_model.safetensors}. Both files come from
 * one input, split at its first NUL byte ({@link ParserContract#splitAtNul}), so the fuzzer varies
 * the JSON and the metadata together.
 */
class AdapterConfigFuzzTest {
  @FuzzTest(maxDuration = ParserContract.FUZZ_DURATION)
  void anyAdapterConfigReadsOrIsRefused(byte[] bytes) throws IOException {
    byte[][] files = ParserContract.splitAtNul(bytes);
    Path dir = ParserContract.scratchDir();
    try {
      Files.write(dir.resolve(PeftAdapters.CONFIG_FILE), files[0]);
      Files.write(dir.resolve(PeftAdapters.WEIGHTS_FILE), files[1]);
      LoraConfig cfg = ParserContract.parsed(() -> PeftAdapters.readConfig(dir));
      if (cfg == null) return;
      assertSane(cfg);
      // what jlora writes for a config it accepted, it reads back to the same config
      String json = cfg.toPeftJson();
      String again = LoraConfig.fromPeftJson(json, "the re-serialised config").toPeftJson();
      if (!again.equals(json)) {
        throw new AssertionError("the config changed on a round trip through adapter_config.json:\n" + json + "\n" + again);
      }
    } finally {
      ParserContract.deleteTree(dir);
    }
  }

  /** What no accepted config may hold: a non-finite alpha or dropout (the adapter's output would be garbage). */
  static void assertSane(LoraConfig cfg) {
    boolean finite = Float.isFinite(cfg.loraAlpha()) && Float.isFinite(cfg.loraDropout())
        && cfg.alphaPattern().values().stream().allMatch(Float::isFinite);
    if (!finite) throw new AssertionError("accepted a config that computes garbage: " + cfg.toPeftJson());
  }
}
