package org.jlora.engine;

/** Host f32 storage: a plain {@code float[]}, what every CPU kernel reads and writes. */
public final class HostFloats extends Storage {
  private final float[] array;

  public HostFloats(float[] array) {
    super(array.length);
    this.array = array;
  }

  /** The backing array (no copy). */
  public float[] array() { return array; }

  @Override public DType dtype() { return DType.F32; }

  @Override public String location() { return "host"; }

  @Override void read(int from, float[] dst, int dstOff, int n) {
    System.arraycopy(array, from, dst, dstOff, n);
  }

  @Override void write(int to, float[] src, int srcOff, int n) {
    System.arraycopy(src, srcOff, array, to, n);
  }
}
