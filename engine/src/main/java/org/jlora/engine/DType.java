package org.jlora.engine;

/** The element type of a tensor's storage. */
public enum DType {
  /** IEEE 754 single precision: what every kernel computes in. */
  F32,
  /**
   * bfloat16: the top 16 bits of an f32 (same exponent range, 8 bits of mantissa). Used for
   * frozen weights that only need to be read, at half the memory; see {@link Bf16}.
   */
  BF16;

  /** The lower-case name used in messages and files ("f32", "bf16"). */
  public String label() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Bytes per element. */
  public int bytes() {
    return this == F32 ? 4 : 2;
  }
}
