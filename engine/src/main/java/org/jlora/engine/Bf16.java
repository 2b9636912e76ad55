package org.jlora.engine;

/**
 * Conversions between f32 and bfloat16, the one place they are written.
 *
 * <p>A bf16 value is the upper half of an f32's bits. Widening is exact (append 16 zero bits);
 * narrowing rounds to nearest, ties to even, as PyTorch's {@code tensor.to(torch.bfloat16)} does,
 * and keeps NaN a (quiet) NaN rather than letting rounding carry it into infinity.
 */
public final class Bf16 {
  private Bf16() {}

  /** The f32 a bf16 value stands for (exact). */
  public static float toFloat(short bits) {
    return Float.intBitsToFloat((bits & 0xFFFF) << 16);
  }

  /** False for a bf16 infinity or NaN: all eight exponent bits set, as in f32. */
  public static boolean isFinite(short bits) {
    return (bits & 0x7F80) != 0x7F80;
  }

  /** The nearest bf16 to {@code x}, ties to even. */
  public static short fromFloat(float x) {
    int bits = Float.floatToRawIntBits(x);
    if (Float.isNaN(x)) return (short) ((bits >>> 16) | 0x0040);   // quiet NaN, sign kept
    // add 0x7FFF plus the lowest kept bit: rounds the dropped half up, or to even on a tie
    int rounded = bits + 0x7FFF + ((bits >>> 16) & 1);
    return (short) (rounded >>> 16);
  }

  /** Every element of {@code x} rounded to bf16. */
  public static short[] fromFloats(float[] x) {
    short[] out = new short[x.length];
    for (int i = 0; i < x.length; i++) out[i] = fromFloat(x[i]);
    return out;
  }
}
