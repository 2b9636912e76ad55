package org.jlora.examples.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.HfDirectory;
import org.jlora.lora.fuzz.Corruptions;
import org.jlora.lora.fuzz.ParserContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corruption property for {@code model.safetensors.index.json}: every truncation and every
 * flipped byte of the index opens the same tensors (a flip in the informational "metadata" or in
 * whitespace changes nothing) or is refused with a clear error. A flip can never move a tensor:
 * every tensor name and shard file name is checked against the shards.
 */
class CorruptedShardIndexTest {
  private static final String INDEX = """
      {
        "metadata": {"total_size": 24},
        "weight_map": {
          "a": "model-00001-of-00002.safetensors",
          "b": "model-00001-of-00002.safetensors",
          "c": "model-00002-of-00002.safetensors"
        }
      }
      """;

  @TempDir
  Path dir;

  @Test
  void corruptedIndexesOpenTheSameTensorsOrAreRefused() throws IOException {
    Files.writeString(dir.resolve(HfDirectory.CONFIG), "{\"model_type\": \"llama\"}");
    Files.write(dir.resolve(ShardIndexFuzzTest.SHARD_1), TinyFiles.safetensors(Map.of("a", Tensor.ones(2), "b", Tensor.ones(1, 3))));
    Files.write(dir.resolve(ShardIndexFuzzTest.SHARD_2), TinyFiles.safetensors(Map.of("c", Tensor.ones(1))));
    byte[] valid = INDEX.getBytes(StandardCharsets.UTF_8);
    Map<String, int[]> expected = open(valid);
    assertNotNull(expected, "the valid index opens");
    Corruptions.Check sameOrRefused = v -> {
      Map<String, int[]> shapes = open(v.bytes());
      if (shapes != null) assertEquals(describe(expected), describe(shapes), "a corrupted index opened other tensors");
    };
    Corruptions.checkAll(Corruptions.truncations(valid), sameOrRefused);
    Corruptions.checkAll(Corruptions.flips(valid, 3), sameOrRefused);
  }

  /** Each tensor's shape, read through the directory with this index, or null when it was refused properly. */
  private Map<String, int[]> open(byte[] index) throws IOException {
    Files.write(dir.resolve(HfDirectory.WEIGHTS_INDEX), index);
    return ParserContract.parsed(() -> {
      try (HfDirectory hf = HfDirectory.open(dir)) {
        Map<String, int[]> out = new LinkedHashMap<>();
        for (String name : hf.tensorNames()) out.put(name, hf.tensor(name).shape());
        return out;
      }
    });
  }

  private static String describe(Map<String, int[]> shapes) {
    StringBuilder s = new StringBuilder();
    shapes.forEach((k, v) -> s.append(k).append(java.util.Arrays.toString(v)).append(' '));
    return s.toString();
  }
}
