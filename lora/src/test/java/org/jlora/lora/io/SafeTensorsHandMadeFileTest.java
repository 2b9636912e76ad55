package org.jlora.lora.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reads files assembled byte by byte, with known half-precision bit patterns. */
class SafeTensorsHandMadeFileTest {
  @TempDir Path dir;

  private static final float F16_MIN_SUBNORMAL = Math.scalb(1f, -24);
  private static final float BF16_MIN_SUBNORMAL = Math.scalb(1f, -133);

  private static void assertSameFloats(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      // raw bits would differ between NaN encodings; compare NaN-ness, and the sign of zeros exactly
      if (Float.isNaN(expected[i])) {
        assertTrue(Float.isNaN(actual[i]), "element " + i + " should be NaN, was " + actual[i]);
      } else {
        assertEquals(Float.floatToIntBits(expected[i]), Float.floatToIntBits(actual[i]),
            "element " + i + ": expected " + expected[i] + ", was " + actual[i]);
      }
    }
  }

  private Path handMadeFile() {
    String header = "{\"__metadata__\":{\"format\":\"pt\"},"
        + "\"z_half\":{\"dtype\":\"F16\",\"shape\":[2,5],\"data_offsets\":[0,20]},"
        + "\"a_bf16\":{\"dtype\":\"BF16\",\"shape\":[10],\"data_offsets\":[20,40]},"
        + "\"m_f64\":{\"dtype\":\"F64\",\"shape\":[4],\"data_offsets\":[40,72]},"
        + "\"ids\":{\"dtype\":\"I64\",\"shape\":[2],\"data_offsets\":[72,88]},"
        + "\"f32\":{\"dtype\":\"F32\",\"shape\":[],\"data_offsets\":[88,92]}}";
    return FileBytes.withHeader(header)
        // F16: 1, -2.5, 65504 (max), 2^-24 (min subnormal), 1023 * 2^-24 (max subnormal),
        //      -2^-24, +inf, -inf, NaN, -0
        .u16(0x3C00, 0xC100, 0x7BFF, 0x0001, 0x03FF, 0x8001, 0x7C00, 0xFC00, 0x7E00, 0x8000)
        // BF16: 1, -2.5, 65280 (65504 is not representable), max finite, min subnormal,
        //       -(max subnormal), +inf, -inf, NaN, -0
        .u16(0x3F80, 0xC020, 0x477F, 0x7F7F, 0x0001, 0x807F, 0x7F80, 0xFF80, 0x7FC0, 0x8000)
        .f64(1.0, -2.5, 0.1, 1e300)
        .zeros(16)
        .f32(7.25f)
        .writeTo(dir.resolve("hand.safetensors"));
  }

  @Test
  void decodesHalfPrecisionKnownValues() throws IOException {
    try (SafeTensorsFile f = SafeTensors.open(handMadeFile())) {
      assertEquals(DType.F16, f.dtype("z_half"));
      Tensor half = f.tensor("z_half");
      assertArrayEquals(new int[] {2, 5}, half.shape());
      assertSameFloats(new float[] {1f, -2.5f, 65504f, F16_MIN_SUBNORMAL, 1023 * F16_MIN_SUBNORMAL,
          -F16_MIN_SUBNORMAL, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -0f}, half.toArray());

      assertEquals(DType.BF16, f.dtype("a_bf16"));
      float bf16Max = (2f - Math.scalb(1f, -7)) * Math.scalb(1f, 127);
      assertSameFloats(new float[] {1f, -2.5f, 65280f, bf16Max, BF16_MIN_SUBNORMAL, -127 * BF16_MIN_SUBNORMAL,
          Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, -0f}, f.tensor("a_bf16").toArray());
    }
  }

  @Test
  void decodesF64AndF32AndKeepsFileOrder() throws IOException {
    try (SafeTensorsFile f = SafeTensors.open(handMadeFile())) {
      assertEquals(List.of("z_half", "a_bf16", "m_f64", "ids", "f32"), f.names());
      assertEquals(Map.of("format", "pt"), f.metadata());
      // doubles narrow as a Java cast does: round to nearest, overflow to infinity
      assertSameFloats(new float[] {1f, -2.5f, 0.1f, Float.POSITIVE_INFINITY}, f.tensor("m_f64").toArray());
      assertArrayEquals(new int[] {}, f.shape("f32"));
      assertEquals(7.25f, f.tensor("f32").item());
    }
  }

  @Test
  void integerTensorIsListedButNotReadAsFloat() throws IOException {
    try (SafeTensorsFile f = SafeTensors.open(handMadeFile())) {
      assertEquals(DType.I64, f.dtype("ids"));
      assertArrayEquals(new int[] {2}, f.shape("ids"));
      UnsupportedOperationException e = assertThrows(UnsupportedOperationException.class, () -> f.tensor("ids"));
      assertTrue(e.getMessage().contains("'ids'") && e.getMessage().contains("I64")
          && e.getMessage().contains("hand.safetensors"), e.getMessage());
    }
  }

  @Test
  void acceptsWhitespaceNullMetadataAndUnknownFields() throws IOException {
    String header = "{ \"__metadata__\" : null ,\n \"t\" : { \"shape\" : [ 2 ] , \"dtype\" : \"F32\" ,"
        + " \"data_offsets\" : [ 0 , 8 ], \"comment\": {\"any\": [1]} } }   ";
    Path file = FileBytes.withHeader(header).f32(1.5f, -1.5f).writeTo(dir.resolve("ws.safetensors"));
    try (SafeTensorsFile f = SafeTensors.open(file)) {
      assertEquals(Map.of(), f.metadata());
      assertArrayEquals(new float[] {1.5f, -1.5f}, f.tensor("t").toArray());
    }
  }

  @Test
  void zeroSizedTensorsMayShareAnOffset() throws IOException {
    String header = "{\"e1\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]},"
        + "\"e0\":{\"dtype\":\"BF16\",\"shape\":[3,0],\"data_offsets\":[0,0]},"
        + "\"one\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}";
    Path file = FileBytes.withHeader(header).f32(9f).writeTo(dir.resolve("zero.safetensors"));
    Map<String, Tensor> all = SafeTensors.readAll(file);
    assertEquals(List.of("e0", "one", "e1"), List.copyOf(all.keySet()));
    assertArrayEquals(new int[] {3, 0}, all.get("e0").shape());
    assertEquals(9f, all.get("one").item());
  }
}
