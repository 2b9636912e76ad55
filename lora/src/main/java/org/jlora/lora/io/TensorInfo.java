package org.jlora.lora.io;

import java.util.Arrays;

/**
 * One header entry: a tensor's name, element type, shape, and byte range {@code [begin, end)}
 * relative to the start of the data region (the byte after the header).
 *
 * <p>The shape is kept as {@code long}s because the format allows dimensions a Java array cannot
 * hold; {@link SafeTensorsFile#tensor} reports those when asked to read one.
 */
public record TensorInfo(String name, DType dtype, long[] shape, long begin, long end) {
  public TensorInfo {
    shape = shape.clone();
  }

  @Override
  public long[] shape() {
    return shape.clone();
  }

  /** Product of the dimensions (1 for a scalar {@code []}); ArithmeticException on overflow, which a validated header rules out. */
  public long elementCount() {
    long n = 1;
    for (long d : shape) n = Math.multiplyExact(n, d);
    return n;
  }

  public long byteCount() {
    return end - begin;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof TensorInfo t && name.equals(t.name) && dtype == t.dtype
        && Arrays.equals(shape, t.shape) && begin == t.begin && end == t.end;
  }

  @Override
  public int hashCode() {
    return name.hashCode() * 31 + Arrays.hashCode(shape);
  }

  @Override
  public String toString() {
    return name + ": " + dtype + " " + Arrays.toString(shape) + " bytes [" + begin + ", " + end + ")";
  }
}
