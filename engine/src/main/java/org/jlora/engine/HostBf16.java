package org.jlora.engine;

/**
 * Host bf16 storage, read-only: the bits of frozen weights kept at half the memory of f32.
 * Reading widens exactly ({@link Bf16#toFloat}); kernels that do not read bf16 refuse it by name.
 */
public final class HostBf16 extends Storage {
  private final short[] bits;

  public HostBf16(short[] bits) {
    super(bits.length);
    this.bits = bits;
  }

  /** The backing bf16 bits (no copy). */
  public short[] bits() { return bits; }

  @Override public DType dtype() { return DType.BF16; }

  @Override public String location() { return "host"; }

  @Override void read(int from, float[] dst, int dstOff, int n) {
    for (int i = 0; i < n; i++) dst[dstOff + i] = Bf16.toFloat(bits[from + i]);
  }

  @Override void write(int to, float[] src, int srcOff, int n) {
    throw new IllegalStateException("bf16 tensors are read-only (frozen weights); call toF32() for a "
        + "writable f32 copy");
  }
}
