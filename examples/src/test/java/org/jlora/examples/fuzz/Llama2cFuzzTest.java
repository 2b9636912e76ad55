package org.jlora.examples.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.Llama2cCheckpoint;
import org.jlora.examples.model.llama.Llama;
import org.jlora.lora.fuzz.ParserContract;

/**
 * Coverage-guided fuzzing of llama2.c's {@code .bin} checkpoint reader. A file it reads must
 * write back and read again to the same weights (the format has nothing a reader may ignore but
 * the obsolete RoPE tables).
 */
class Llama2cFuzzTest {
  @FuzzTest(maxDuration = ParserContract.FUZZ_DURATION)
  void anyCheckpointReadsOrIsRefused(byte[] bytes) throws IOException {
    Path dir = ParserContract.scratchDir();
    try {
      Path file = dir.resolve("model.bin");
      Files.write(file, bytes);
      Llama model = ParserContract.parsed(() -> Llama2cCheckpoint.read(file));
      if (model == null) return;
      Path again = dir.resolve("again.bin");
      Llama2cCheckpoint.write(model, again);
      assertSameWeights(model.stateDict(), Llama2cCheckpoint.read(again).stateDict());
    } finally {
      ParserContract.deleteTree(dir);
    }
  }

  /** Same names and shapes, and the same float bits (NaN included) in every weight. */
  static void assertSameWeights(Map<String, Tensor> expected, Map<String, Tensor> actual) {
    if (!expected.keySet().equals(actual.keySet())) {
      throw new AssertionError("weights " + expected.keySet() + " read back as " + actual.keySet());
    }
    for (String name : expected.keySet()) {
      if (!java.util.Arrays.equals(expected.get(name).toArray(), actual.get(name).toArray())
          || !java.util.Arrays.equals(expected.get(name).shape(), actual.get(name).shape())) {
        throw new AssertionError(name + " changed on a write and read");
      }
    }
  }
}
