package org.jlora.lora.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.lora.io.SafeTensorsFile;

/**
 * Coverage-guided fuzzing of the safetensors reader: any bytes either open as a file whose every
 * tensor reads, or are refused with a clear error ({@link ParserContract}); never another exception,
 * an OutOfMemoryError, or a hang.
 */
class SafeTensorsFuzzTest {
  @FuzzTest(maxDuration = ParserContract.FUZZ_DURATION)
  void anyBytesOpenOrAreRefused(byte[] bytes) throws IOException {
    Path file = ParserContract.scratchFile(".safetensors", bytes);
    try {
      ParserContract.check(() -> {
        try (SafeTensorsFile f = SafeTensorsFile.open(file)) {
          for (String name : f.names()) {
            if (f.dtype(name).readableAsFloat()) f.tensor(name);
          }
        }
      });
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
