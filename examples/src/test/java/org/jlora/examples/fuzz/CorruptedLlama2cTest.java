package org.jlora.examples.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.Llama2cCheckpoint;
import org.jlora.examples.model.llama.Llama;
import org.jlora.lora.fuzz.Corruptions;
import org.jlora.lora.fuzz.ParserContract;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The corruption property for llama2.c's {@code .bin} checkpoints, which have no checksum: every
 * truncation is refused (the header fixes the exact size); a flipped byte of the 28-byte header is
 * refused; a flipped byte of the weights reads as the same model with at most one weight changed
 * (none when it falls in the obsolete RoPE tables), so corruption there is never amplified.
 */
class CorruptedLlama2cTest {
  private static final int HEADER_BYTES = 28;

  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void truncatedCheckpointsAreRefused(boolean tied) throws IOException {
    byte[] valid = TinyFiles.llama2c(TinyFiles.llama(tied, 1));
    Corruptions.checkAll(Corruptions.truncations(valid), v -> assertNull(read(v.bytes()), "a truncated checkpoint read"));
  }

  @ParameterizedTest
  @ValueSource(booleans = {true, false})
  void aFlippedByteChangesAtMostOneWeightOrIsRefused(boolean tied) throws IOException {
    byte[] valid = TinyFiles.llama2c(TinyFiles.llama(tied, 2));
    Map<String, Tensor> expected = read(valid).stateDict();
    Corruptions.checkAll(Corruptions.flips(valid, 9), v -> {
      int at = Integer.parseInt(v.what().split(" ")[1]);
      Llama model = read(v.bytes());
      if (at < HEADER_BYTES) {
        assertNull(model, "a checkpoint with a corrupted header read");
        return;
      }
      assertTrue(model != null, "a flip in the weights was refused");
      assertEquals(expected.keySet(), model.stateDict().keySet());
      int changed = 0;
      for (String name : expected.keySet()) {
        float[] want = expected.get(name).toArray();
        float[] got = model.stateDict().get(name).toArray();
        assertEquals(want.length, got.length, name);
        for (int i = 0; i < want.length; i++) {
          if (Float.floatToRawIntBits(want[i]) != Float.floatToRawIntBits(got[i])) changed++;
        }
      }
      assertTrue(changed <= 1, changed + " weights changed");
    });
  }

  /** The model in these bytes, or null when the reader refused them properly. */
  private Llama read(byte[] bytes) throws IOException {
    Path file = dir.resolve("model.bin");
    Files.write(file, bytes);
    return ParserContract.parsed(() -> Llama2cCheckpoint.read(file));
  }
}
