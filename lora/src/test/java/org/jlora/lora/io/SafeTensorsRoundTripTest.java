package org.jlora.lora.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafeTensorsRoundTripTest {
  @TempDir Path dir;

  private static int[] bits(Tensor t) {
    float[] v = t.toArray();
    int[] out = new int[v.length];
    for (int i = 0; i < v.length; i++) out[i] = Float.floatToRawIntBits(v[i]);
    return out;
  }

  private static void assertBitIdentical(Tensor expected, Tensor actual) {
    assertArrayEquals(expected.shape(), actual.shape());
    assertArrayEquals(bits(expected), bits(actual));
  }

  @Test
  void roundTripIsBitIdenticalWithShapesAndMetadata() throws IOException {
    float nanWithPayload = Float.intBitsToFloat(0x7fc0_1234);
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    tensors.put("special", Tensor.of(new float[] {-0f, 0f, Float.MIN_VALUE, -Float.MIN_NORMAL, Float.MAX_VALUE,
        Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, nanWithPayload}, 2, 4));
    tensors.put("base_model.model.fc.lora_A.weight", Tensor.randn(new Rng(1), 8, 33));
    tensors.put("base_model.model.fc.lora_B.weight", Tensor.randn(new Rng(2), 17, 8));
    tensors.put("scalar", Tensor.of(new float[] {3.5f}));
    tensors.put("empty", Tensor.zeros(0, 5));
    tensors.put("rank3", Tensor.randn(new Rng(3), 2, 3, 4));
    Map<String, String> metadata = Map.of("format", "pt", "note", "ünïcødé \"quoted\"\n");
    Path file = dir.resolve("adapter_model.safetensors");
    SafeTensors.write(file, tensors, metadata);

    try (SafeTensorsFile f = SafeTensors.open(file)) {
      assertEquals(metadata, f.metadata());
      assertEquals(tensors.keySet(), Set.copyOf(f.names()));
      for (var e : tensors.entrySet()) {
        assertEquals(DType.F32, f.dtype(e.getKey()));
        assertArrayEquals(e.getValue().shape(), f.shape(e.getKey()));
        assertBitIdentical(e.getValue(), f.tensor(e.getKey()));
      }
      assertArrayEquals(new int[] {}, f.shape("scalar"));
      assertEquals(3.5f, f.tensor("scalar").item());
      assertEquals(0, f.tensor("empty").size());
      assertFalse(f.isMemoryMapped());
    }
    Map<String, Tensor> all = SafeTensors.readAll(file);
    assertEquals(tensors.size(), all.size());
    for (var e : tensors.entrySet()) assertBitIdentical(e.getValue(), all.get(e.getKey()));
  }

  @Test
  void writesAViewFromItsOffset() throws IOException {
    Tensor view = Tensor.arange(12).reshape(4, 3).rows(1, 3); // rows 1..2 of [4, 3], offset 3
    Path file = dir.resolve("view.safetensors");
    SafeTensors.write(file, Map.of("v", view));
    Tensor back = SafeTensors.readAll(file).get("v");
    assertArrayEquals(new int[] {2, 3}, back.shape());
    assertArrayEquals(new float[] {3, 4, 5, 6, 7, 8}, back.toArray());
  }

  /** The exact bytes of the reference implementation's own serialization tests. */
  @Test
  void writerMatchesReferenceBytes() throws IOException {
    Path file = dir.resolve("ref.safetensors");
    SafeTensors.write(file, Map.of("attn0", Tensor.arange(6).reshape(1, 1, 2, 3)));
    byte[] expected = new FileBytes().u64(72)
        .ascii("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       ")
        .f32(0, 1, 2, 3, 4, 5).toArray();
    assertArrayEquals(expected, Files.readAllBytes(file));

    SafeTensors.write(file, Map.of("attn.0", Tensor.arange(6).reshape(1, 2, 3)));
    expected = new FileBytes().u64(64)
        .ascii("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}")
        .f32(0, 1, 2, 3, 4, 5).toArray();
    assertArrayEquals(expected, Files.readAllBytes(file));

    SafeTensors.write(file, Map.of());
    assertArrayEquals(new FileBytes().u64(8).ascii("{}      ").toArray(), Files.readAllBytes(file));

    SafeTensors.write(file, Map.of(), Map.of("framework", "pt"));
    assertArrayEquals(new FileBytes().u64(40).ascii("{\"__metadata__\":{\"framework\":\"pt\"}}     ").toArray(),
        Files.readAllBytes(file));
  }

  @Test
  void headerIsPaddedToEightBytesForEveryNameLength() throws IOException {
    Path file = dir.resolve("pad.safetensors");
    String name = "";
    for (int len = 1; len <= 9; len++) {
      name += "x";
      SafeTensors.write(file, Map.of(name, Tensor.ones(2)));
      byte[] bytes = Files.readAllBytes(file);
      long n = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong(0);
      assertEquals(0, n % 8, "header length for a name of " + len + " chars");
      assertEquals(8 + n + 8, bytes.length);
      String header = new String(bytes, 8, (int) n, StandardCharsets.UTF_8);
      String padding = header.substring(header.lastIndexOf('}') + 1);
      assertTrue(padding.length() < 8 && padding.chars().allMatch(c -> c == ' '), "padding '" + padding + "'");
      assertArrayEquals(new float[] {1, 1}, SafeTensors.readAll(file).get(name).toArray());
    }
  }

  @Test
  void tensorsAreOrderedByNameAsUtf8Bytes() throws IOException {
    // U+FFFF sorts after U+1F600 in UTF-16 code units (0xFFFF > 0xD83D) but before it in UTF-8.
    String emoji = "\uD83D\uDE00";
    String bmpMax = "\uFFFF";
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    for (String n : List.of(emoji, "b", bmpMax, "a.weight", "A", "a")) tensors.put(n, Tensor.ones(1));
    Path file = dir.resolve("order.safetensors");
    SafeTensors.write(file, tensors);
    try (SafeTensorsFile f = SafeTensors.open(file)) {
      assertEquals(List.of("A", "a", "a.weight", "b", bmpMax, emoji), f.names());
      assertEquals(0, f.info("A").begin());
      assertEquals(20, f.info(emoji).begin());
    }
  }

  @Test
  void largeFileGoesThroughMemoryMapping() throws IOException {
    int n = (5 << 20) / Float.BYTES; // 5 MiB of data, above the 4 MiB threshold
    Tensor big = Tensor.randn(new Rng(7), n / 1024, 1024);
    Tensor small = Tensor.randn(new Rng(8), 3, 3);
    Path file = dir.resolve("big.safetensors");
    SafeTensors.write(file, Map.of("big", big, "small", small));
    assertTrue(Files.size(file) > SafeTensorsFile.MMAP_THRESHOLD_BYTES);
    try (SafeTensorsFile f = SafeTensors.open(file)) {
      assertTrue(f.isMemoryMapped());
      assertBitIdentical(big, f.tensor("big"));
      assertBitIdentical(small, f.tensor("small"));
    }
  }

  @Test
  void closedFileRefusesToRead() throws IOException {
    Path file = dir.resolve("c.safetensors");
    SafeTensors.write(file, Map.of("t", Tensor.ones(3)));
    SafeTensorsFile f = SafeTensors.open(file);
    f.close();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> f.tensor("t"));
    assertTrue(e.getMessage().contains("closed"), e.getMessage());
  }

  @Test
  void unknownNameIsAClearError() throws IOException {
    Path file = dir.resolve("u.safetensors");
    SafeTensors.write(file, Map.of("present", Tensor.ones(3)));
    try (SafeTensorsFile f = SafeTensors.open(file)) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.tensor("absent"));
      assertTrue(e.getMessage().contains("'absent'") && e.getMessage().contains("present"), e.getMessage());
    }
  }

  @Test
  void writerRejectsReservedNameAndLeavesTargetAlone() throws IOException {
    Path file = dir.resolve("w.safetensors");
    Files.writeString(file, "old");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> SafeTensors.write(file, Map.of("__metadata__", Tensor.ones(1))));
    assertTrue(e.getMessage().contains("__metadata__") && e.getMessage().contains("w.safetensors"), e.getMessage());
    assertEquals("old", Files.readString(file));
  }
}
