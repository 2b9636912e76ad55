package org.jlora.engine;

import java.util.Arrays;

/**
 * A float32 tensor: a shape and a contiguous row-major window of a {@code float[]}.
 *
 * <p>The window starts at {@link #offset()} and holds {@link #size()} floats; the last axis is
 * contiguous. Views share storage: {@link #reshape} and {@link #rows} never copy, {@link #copy}
 * always does. Kernels take {@code (data(), offset())} pairs so a row slice costs nothing.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(new Rng(42), 4, 8);   // [4, 8], N(0, 1)
 * Tensor firstTwo = x.rows(0, 2);                // [2, 8], shares x's storage
 * Tensor flat = x.reshape(32);                   // [32]
 * }</pre>
 */
public final class Tensor {
  private final float[] data;
  private final int offset;
  private final int[] shape;
  private final int size;

  private Tensor(float[] data, int offset, int[] shape) {
    this.shape = shape.clone();
    this.size = Shapes.size(this.shape);
    if (offset < 0 || offset + size > data.length) {
      throw new IllegalArgumentException("a tensor of shape " + Shapes.str(shape) + " at offset "
          + offset + " does not fit in storage of " + data.length + " floats");
    }
    this.data = data;
    this.offset = offset;
  }

  /** Wraps {@code data} (no copy) as a tensor of the given shape; its length must equal the shape's size. */
  public static Tensor of(float[] data, int... shape) {
    if (data.length != Shapes.size(shape)) {
      throw new IllegalArgumentException("Tensor.of: " + data.length + " values do not fill shape "
          + Shapes.str(shape) + " (" + Shapes.size(shape) + " values)");
    }
    return new Tensor(data, 0, shape);
  }

  /** A view of {@code data} from {@code offset} with the given shape (no copy). */
  public static Tensor view(float[] data, int offset, int... shape) {
    return new Tensor(data, offset, shape);
  }

  public static Tensor zeros(int... shape) {
    return new Tensor(new float[Shapes.size(shape)], 0, shape);
  }

  public static Tensor ones(int... shape) {
    return full(1f, shape);
  }

  public static Tensor full(float value, int... shape) {
    float[] d = new float[Shapes.size(shape)];
    Arrays.fill(d, value);
    return new Tensor(d, 0, shape);
  }

  /** The 1-d tensor {@code [0, 1, ..., n-1]}. */
  public static Tensor arange(int n) {
    float[] d = new float[n];
    for (int i = 0; i < n; i++) d[i] = i;
    return new Tensor(d, 0, new int[] {n});
  }

  /** Samples of N(mean, std^2) drawn from {@code rng}; the same seed gives the same tensor. */
  public static Tensor randn(Rng rng, float mean, float std, int... shape) {
    float[] d = new float[Shapes.size(shape)];
    for (int i = 0; i < d.length; i++) d[i] = mean + std * rng.nextGaussian();
    return new Tensor(d, 0, shape);
  }

  /** Samples of N(0, 1). */
  public static Tensor randn(Rng rng, int... shape) {
    return randn(rng, 0f, 1f, shape);
  }

  /** Samples of U[lo, hi). */
  public static Tensor uniform(Rng rng, float lo, float hi, int... shape) {
    float[] d = new float[Shapes.size(shape)];
    for (int i = 0; i < d.length; i++) d[i] = lo + (hi - lo) * rng.nextFloat();
    return new Tensor(d, 0, shape);
  }

  /** The backing array; the tensor occupies {@code [offset(), offset() + size())}. */
  public float[] data() { return data; }

  public int offset() { return offset; }

  /** A copy of the shape. */
  public int[] shape() { return shape.clone(); }

  public int dim(int axis) {
    return shape[axis < 0 ? shape.length + axis : axis];
  }

  public int rank() { return shape.length; }

  public int size() { return size; }

  /** Number of rows when the tensor is seen as a matrix {@code [size / lastDim, lastDim]}. */
  public int rowCount() {
    return shape.length == 0 ? 1 : size / Math.max(1, shape[shape.length - 1]);
  }

  /** Length of the last axis (1 for a scalar). */
  public int lastDim() {
    return shape.length == 0 ? 1 : shape[shape.length - 1];
  }

  /** A view with another shape of the same size; one axis may be -1 (inferred). */
  public Tensor reshape(int... newShape) {
    return new Tensor(data, offset, Shapes.infer(size, newShape, "reshape " + Shapes.str(shape)));
  }

  /** A view of rows {@code [from, to)} along axis 0. */
  public Tensor rows(int from, int to) {
    if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
      throw new IndexOutOfBoundsException("rows(" + from + ", " + to + ") of shape " + Shapes.str(shape));
    }
    int rowSize = shape[0] == 0 ? 0 : size / shape[0];
    int[] s = shape.clone();
    s[0] = to - from;
    return new Tensor(data, offset + from * rowSize, s);
  }

  /** A fresh contiguous copy that owns its storage. */
  public Tensor copy() {
    return new Tensor(Arrays.copyOfRange(data, offset, offset + size), 0, shape);
  }

  /** The values as a new array. */
  public float[] toArray() {
    return Arrays.copyOfRange(data, offset, offset + size);
  }

  /** The value at a flat (row-major) index. */
  public float get(int flatIndex) {
    Shapes.checkIndex(flatIndex, size);
    return data[offset + flatIndex];
  }

  /** The value at a multi-index. */
  public float at(int... index) {
    return data[offset + Shapes.flatIndex(shape, index)];
  }

  public void set(int flatIndex, float value) {
    Shapes.checkIndex(flatIndex, size);
    data[offset + flatIndex] = value;
  }

  /**
   * The flat index of the first NaN or infinite element, or -1 when every element is finite: the
   * one check behind refusing non-finite weights, adapters, gradients and merges.
   */
  public int firstNonFinite() {
    for (int i = 0; i < size; i++) {
      if (!Float.isFinite(data[offset + i])) return i;
    }
    return -1;
  }

  /** The value of a one-element tensor. */
  public float item() {
    if (size != 1) throw new IllegalStateException("item() needs one element, shape is " + Shapes.str(shape));
    return data[offset];
  }

  /** Copies {@code src}'s values into this tensor; both must have the same size. */
  public Tensor copyFrom(Tensor src) {
    if (src.size != size) {
      throw new ShapeException("copyFrom", shape, src.shape);
    }
    System.arraycopy(src.data, src.offset, data, offset, size);
    return this;
  }

  public Tensor fill(float value) {
    Arrays.fill(data, offset, offset + size, value);
    return this;
  }

  public boolean sameShape(Tensor other) {
    return Arrays.equals(shape, other.shape);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Tensor").append(Shapes.str(shape)).append(" [");
    int n = Math.min(size, 8);
    for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : ", ").append(data[offset + i]);
    return sb.append(size > n ? ", ...]" : "]").toString();
  }
}
