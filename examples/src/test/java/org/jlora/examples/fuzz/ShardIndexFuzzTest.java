package org.jlora.examples.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.HfDirectory;
import org.jlora.lora.fuzz.ParserContract;

/**
 * Coverage-guided fuzzing of a sharded checkpoint's index, {@code model.safetensors.index.json}:
 * a directory with a valid config, two valid shards and the fuzzed index is opened with
 * {@code HfDirectory.open} (which reads the index with {@code ShardIndex}). When it opens, every
 * tensor it lists must be one the shards hold, and must read.
 */
class ShardIndexFuzzTest {
  static final String SHARD_1 = "model-00001-of-00002.safetensors";
  static final String SHARD_2 = "model-00002-of-00002.safetensors";
  private static final Set<String> TENSORS = Set.of("a", "b", "c");
  private static final byte[] CONFIG = "{\"model_type\": \"llama\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
  private static final byte[] SHARD_1_BYTES;
  private static final byte[] SHARD_2_BYTES;

  static {
    try {
      SHARD_1_BYTES = TinyFiles.safetensors(Map.of("a", Tensor.ones(2), "b", Tensor.ones(1, 3)));
      SHARD_2_BYTES = TinyFiles.safetensors(Map.of("c", Tensor.ones(1)));
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @FuzzTest(maxDuration = ParserContract.FUZZ_DURATION)
  void anyIndexOpensOrIsRefused(byte[] bytes) throws IOException {
    Path dir = ParserContract.scratchDir();
    try {
      Files.write(dir.resolve(HfDirectory.CONFIG), CONFIG);
      Files.write(dir.resolve(SHARD_1), SHARD_1_BYTES);
      Files.write(dir.resolve(SHARD_2), SHARD_2_BYTES);
      Files.write(dir.resolve(HfDirectory.WEIGHTS_INDEX), bytes);
      ParserContract.check(() -> {
        try (HfDirectory hf = HfDirectory.open(dir)) {
          for (String name : hf.tensorNames()) {
            if (!TENSORS.contains(name)) throw new AssertionError("opened with a tensor no shard holds: " + name);
            hf.tensor(name);
          }
        }
      });
    } finally {
      ParserContract.deleteTree(dir);
    }
  }
}
