package org.jlora.examples.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.HfDirectory;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.gpt2.Gpt2Config;
import org.jlora.examples.model.llama.HfLlama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.lora.fuzz.ParserContract;

/**
 * Coverage-guided fuzzing of a Hugging Face {@code config.json}, read as jlora reads it: opened
 * with its directory ({@code HfDirectory.open}, which parses it with {@code JsonFiles} beside a
 * tiny valid {@code model.safetensors}), loaded by both model loaders (which must refuse it for
 * the tiny weights without allocating the model it describes), then read as a Llama/Qwen2 config
 * and as a GPT-2 config. A config either parser accepts must survive a round trip through the
 * {@code config.json} jlora writes for it.
 */
class HfConfigFuzzTest {
  private static final byte[] WEIGHTS;

  static {
    try {
      WEIGHTS = TinyFiles.safetensors(Map.of("w", Tensor.ones(2)));
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @FuzzTest(maxDuration = ParserContract.FUZZ_DURATION)
  void anyConfigReadsOrIsRefused(byte[] bytes) throws IOException {
    Path dir = ParserContract.scratchDir();
    try {
      Files.write(dir.resolve(HfDirectory.CONFIG), bytes);
      Files.write(dir.resolve(HfDirectory.WEIGHTS), WEIGHTS);
      JsonNode json = ParserContract.parsed(() -> {
        try (HfDirectory hf = HfDirectory.open(dir)) {
          // the loaders too: a config must be checked against the (tiny) weights before the model is allocated
          ParserContract.check(() -> HfLlama.fromDirectory(hf));
          ParserContract.check(() -> Gpt2.fromDirectory(hf));
          return hf.config();
        }
      });
      if (json == null) return;
      LlamaConfig llama = ParserContract.parsed(() -> LlamaConfig.fromHfConfig(json, "config.json"));
      if (llama != null) {
        assertSane(llama);
        LlamaConfig again = LlamaConfig.fromHfConfig(llama.toHfConfig(), "the re-serialised config.json");
        if (!again.equals(llama)) throw new AssertionError("round trip changed " + llama + " into " + again);
      }
      Gpt2Config gpt2 = ParserContract.parsed(() -> Gpt2Config.fromHfConfig(json, "config.json"));
      if (gpt2 != null) {
        assertSane(gpt2);
        Gpt2Config again = Gpt2Config.fromHfConfig(gpt2.toHfConfig(), "the re-serialised config.json");
        if (!again.equals(gpt2)) throw new AssertionError("round trip changed " + gpt2 + " into " + again);
      }
    } finally {
      ParserContract.deleteTree(dir);
    }
  }

  /** What no accepted config.json may give: a non-finite number, or a token id below -1 ("none"). */
  static void assertSane(LlamaConfig c) {
    if (!Float.isFinite(c.rmsEps()) || !Float.isFinite(c.ropeTheta()) || c.bosTokenId() < -1 || c.eosTokenId() < -1) {
      throw new AssertionError("accepted a config that computes garbage: " + c);
    }
  }

  static void assertSane(Gpt2Config c) {
    if (!Float.isFinite(c.layerNormEpsilon())) throw new AssertionError("accepted a config that computes garbage: " + c);
  }
}
