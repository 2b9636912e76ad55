package org.jlora.lora.io;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Optional;

/**
 * The element types of the safetensors format, in the reference implementation's order (which is
 * increasing alignment; its writer sorts tensors by this order, descending, then by name).
 *
 * <p>Every type can be validated; only the floating-point ones can be read as a float tensor.
 */
public enum DType {
  BOOL(1), U8(1), I8(1), F8_E5M2(1), F8_E4M3(1), I16(2), U16(2), F16(2), BF16(2),
  I32(4), U32(4), F32(4), F64(8), I64(8), U64(8);

  private final int byteSize;

  DType(int byteSize) {
    this.byteSize = byteSize;
  }

  /** Bytes per element. */
  public int byteSize() {
    return byteSize;
  }

  /** Whether {@link #decode} can turn this type into floats (F16, BF16, F32, F64). */
  public boolean readableAsFloat() {
    return this == F16 || this == BF16 || this == F32 || this == F64;
  }

  /** The type spelled {@code name} in a header ("F32", "BF16", ...), if it is one we know. */
  public static Optional<DType> parse(String name) {
    for (DType t : values()) {
      if (t.name().equals(name)) return Optional.of(t);
    }
    return Optional.empty();
  }

  /**
   * Decodes {@code count} little-endian elements of this type from {@code bytes} (read from its
   * position) into {@code out[outOffset ..]}, widening or narrowing to float32.
   */
  void decode(ByteBuffer bytes, float[] out, int outOffset, int count) {
    ByteBuffer le = bytes.order(ByteOrder.LITTLE_ENDIAN);
    switch (this) {
      case F32 -> le.asFloatBuffer().get(out, outOffset, count);
      case F64 -> {
        var doubles = le.asDoubleBuffer();
        for (int i = 0; i < count; i++) out[outOffset + i] = (float) doubles.get(i);
      }
      case F16 -> {
        var halves = le.asShortBuffer();
        for (int i = 0; i < count; i++) out[outOffset + i] = Float.float16ToFloat(halves.get(i));
      }
      case BF16 -> {
        // bfloat16 is the top half of a float32: same sign, exponent, and the first 7 mantissa bits.
        var halves = le.asShortBuffer();
        for (int i = 0; i < count; i++) out[outOffset + i] = Float.intBitsToFloat((halves.get(i) & 0xffff) << 16);
      }
      default -> throw new UnsupportedOperationException("dtype " + this + " cannot be read as float");
    }
  }
}
