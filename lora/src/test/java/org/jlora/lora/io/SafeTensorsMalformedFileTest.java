package org.jlora.lora.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.Stream;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Every way a file can break the format -> a SafeTensorsFormatException naming file, key and problem. */
class SafeTensorsMalformedFileTest {
  @TempDir Path dir;

  /** A well-formed F32 entry. */
  private static String f32(String name, String shape, long begin, long end) {
    return "\"" + name + "\":{\"dtype\":\"F32\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
  }

  private static String entry(String name, String body) {
    return "\"" + name + "\":{" + body + "}";
  }

  private static FileBytes header(String json) {
    return FileBytes.withHeader(json);
  }

  private static Arguments row(String brokenHow, FileBytes file, String key, String messageFragment) {
    return Arguments.of(brokenHow, file.toArray(), key, messageFragment);
  }

  static Stream<Arguments> malformedFiles() {
    String okA = f32("a", "[2]", 0, 8);
    return Stream.of(
        // the 8-byte length prefix
        row("empty file", new FileBytes(), null, "too short for the 8-byte header length"),
        row("3-byte file", new FileBytes().raw(new byte[] {8, 0, 0}), null, "too short"),
        row("header length 2^62", new FileBytes().u64(1L << 62).ascii("{}"), null,
            "header length 4611686018427387904 exceeds the limit of 100000000"),
        row("header length 2^64 - 1 (read unsigned)", new FileBytes().u64(-1L).ascii("{}"), null,
            "header length 18446744073709551615 exceeds"),
        row("header length just over 100 MB", new FileBytes().u64(100_000_001L).ascii("{}"), null, "exceeds the limit"),
        row("header length beyond the file", new FileBytes().u64(1000).ascii("{}"), null,
            "header length 1000 runs past the end of the file (10 bytes)"),
        row("header length one past the file", new FileBytes().u64(3).ascii("{}"), null, "runs past the end"),
        // the header text
        row("zero-length header", new FileBytes().u64(0), null, "empty header"),
        row("header not UTF-8", new FileBytes().u64(3).raw(new byte[] {'{', (byte) 0xff, '}'}), null, "not valid UTF-8"),
        row("header is a JSON array", header("[]"), null, "not a JSON object: it starts with '['"),
        row("header is a JSON string", header("\"{}\""), null, "not a JSON object"),
        row("header starts with a space", header(" {}"), null, "not a JSON object"),
        row("bad JSON", header("{\"a\":}"), null, "not valid JSON"),
        row("unterminated JSON object", header("{" + okA).zeros(8), null, "not valid JSON"),
        row("tensor name not a string", header("{1:{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[0,4]}}").zeros(4),
            null, "not valid JSON"),
        row("second JSON value after the object", header("{}{}"), null, "more JSON after its object"),
        row("duplicate tensor key", header("{" + okA + "," + okA + "}").zeros(8), "a", "duplicate key"),
        row("duplicate __metadata__", header("{\"__metadata__\":{},\"__metadata__\":{}}"), "__metadata__",
            "duplicate key"),
        row("duplicate key inside __metadata__", header("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}"), null,
            "Duplicate field 'k'"),
        row("metadata value not a string", header("{\"__metadata__\":{\"step\":100}}"), "__metadata__",
            "value of 'step' must be a string"),
        row("metadata not an object", header("{\"__metadata__\":[\"pt\"]}"), "__metadata__", "must be an object"),
        // one tensor entry
        row("entry not an object", header("{\"a\":[0,8]}").zeros(8), "a", "must be a JSON object"),
        row("dtype missing", header("{" + entry("a", "\"shape\":[2],\"data_offsets\":[0,8]") + "}").zeros(8), "a",
            "'dtype' must be a string, got nothing"),
        row("dtype not a string", header("{" + entry("a", "\"dtype\":4,\"shape\":[2],\"data_offsets\":[0,8]") + "}")
            .zeros(8), "a", "'dtype' must be a string"),
        row("unknown dtype", header("{" + entry("a", "\"dtype\":\"F128\",\"shape\":[2],\"data_offsets\":[0,8]") + "}")
            .zeros(8), "a", "unknown dtype 'F128'"),
        row("dtype in lower case", header("{" + entry("a", "\"dtype\":\"f32\",\"shape\":[2],\"data_offsets\":[0,8]")
            + "}").zeros(8), "a", "unknown dtype 'f32'"),
        row("shape missing", header("{" + entry("a", "\"dtype\":\"F32\",\"data_offsets\":[0,8]") + "}").zeros(8), "a",
            "'shape' must be an array"),
        row("negative dimension", header("{" + f32("a", "[2,-1]", 0, 8) + "}").zeros(8), "a", "has dimension -1"),
        row("fractional dimension", header("{" + f32("a", "[2.5]", 0, 8) + "}").zeros(8), "a", "has dimension 2.5"),
        row("dimension beyond 64 bits", header("{" + f32("a", "[100000000000000000000]", 0, 8) + "}").zeros(8), "a",
            "has dimension 100000000000000000000"),
        row("element count overflows", header("{" + f32("a", "[4294967296,4294967296]", 0, 8) + "}").zeros(8), "a",
            "overflows"),
        row("byte count overflows", header("{" + f32("a", "[4611686018427387904]", 0, 8) + "}").zeros(8), "a",
            "overflows"),
        row("data_offsets missing", header("{" + entry("a", "\"dtype\":\"F32\",\"shape\":[2]") + "}").zeros(8), "a",
            "'data_offsets' must be two non-negative integers"),
        row("data_offsets one integer", header("{" + entry("a", "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8]")
            + "}").zeros(8), "a", "must be two non-negative integers [begin, end], got [8]"),
        row("data_offsets three integers", header("{" + entry("a",
            "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8,8]") + "}").zeros(8), "a", "must be two"),
        row("data_offsets strings", header("{" + entry("a",
            "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[\"0\",\"8\"]") + "}").zeros(8), "a", "must be two"),
        row("data_offsets fractional", header("{" + entry("a",
            "\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8.0]") + "}").zeros(8), "a", "must be two"),
        row("data_offsets negative", header("{" + f32("a", "[2]", -8, 0) + "}").zeros(8), "a", "must be two"),
        // the layout of the data region
        row("end < begin", header("{" + f32("a", "[2]", 8, 0) + "}").zeros(8), "a", "data_offsets [8, 0]: end < begin"),
        row("offsets past the data region", header("{" + f32("a", "[2]", 0, 8) + "}").zeros(4), "a",
            "run past the end of the data region (4 bytes)"),
        row("truncated file", header("{" + okA + "," + f32("b", "[3]", 8, 20) + "}").zeros(17), "b", "truncated"),
        row("byte count != shape x dtype size", header("{" + f32("a", "[3]", 0, 8) + "}").zeros(8), "a",
            "hold 8 bytes, but F32 [3] needs 12"),
        row("byte count of a half tensor", header("{" + entry("h", "\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,8]")
            + "}").zeros(8), "h", "needs 4"),
        row("overlapping tensors", header("{" + okA + "," + f32("b", "[2]", 4, 12) + "}").zeros(12), "b",
            "overlap tensor 'a', which ends at 8"),
        row("gap between tensors", header("{" + okA + "," + f32("b", "[2]", 12, 20) + "}").zeros(20), "b",
            "not contiguous: bytes [8, 12)"),
        row("first tensor not at offset 0", header("{" + f32("a", "[2]", 4, 12) + "}").zeros(12), "a", "not contiguous"),
        row("bytes after the last tensor", header("{" + okA + "}").zeros(12), "a",
            "data region has 12 bytes but the tensors cover only the first 8"),
        row("data but no tensors", header("{}").zeros(4), null, "cover only the first 0"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedFiles")
  void malformedFileIsRejectedWithAClearMessage(String brokenHow, byte[] bytes, String key, String fragment)
      throws IOException {
    Path file = Files.write(dir.resolve("broken.safetensors"), bytes);
    SafeTensorsFormatException e = assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.open(file).close(),
        brokenHow);
    assertTrue(e.getMessage().contains(fragment), brokenHow + ": message lacks '" + fragment + "': " + e.getMessage());
    assertTrue(e.getMessage().contains("broken.safetensors"), "message names the file: " + e.getMessage());
    assertEquals(file, e.file());
    assertEquals(key, e.key(), "key at fault");
    if (key != null) assertTrue(e.getMessage().contains("'" + key + "'"), "message names the key: " + e.getMessage());
  }

  /** Cutting a valid file anywhere, or corrupting any one byte, must never escape as another exception. */
  @Test
  void truncationsAndSingleByteCorruptionsFailCleanly() throws IOException {
    Path good = dir.resolve("good.safetensors");
    SafeTensors.write(good, Map.of("w", Tensor.randn(new Rng(5), 2, 3), "b", Tensor.ones(1)), Map.of("k", "v"));
    byte[] bytes = Files.readAllBytes(good);
    Path file = dir.resolve("mangled.safetensors");
    for (int len = 0; len < bytes.length; len++) {
      Files.write(file, Arrays.copyOf(bytes, len));
      int cut = len;
      assertThrows(SafeTensorsFormatException.class, () -> SafeTensors.open(file).close(), () -> "cut at " + cut);
    }
    byte[] replacements = {0, (byte) 0xff, '-', '9', '"', '.'};
    for (int i = 0; i < bytes.length; i++) {
      for (byte r : replacements) {
        byte[] mangled = bytes.clone();
        mangled[i] = r;
        Files.write(file, mangled);
        try (SafeTensorsFile f = SafeTensors.open(file)) {
          for (String name : f.names()) {
            if (f.dtype(name).readableAsFloat()) f.tensor(name);
          }
        } catch (SafeTensorsFormatException expected) {
          // a clean rejection
        } catch (RuntimeException | IOException | Error other) {
          fail("byte " + i + " set to " + r + " escaped as " + other, other);
        }
      }
    }
  }
}
