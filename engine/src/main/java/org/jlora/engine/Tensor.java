package org.jlora.engine;

import java.util.Arrays;
import org.jlora.engine.capture.StepCapture;

/**
 * A tensor: a shape and a contiguous row-major window of a {@link Storage}.
 *
 * <p>The window starts at element {@link #offset()} and holds {@link #size()} elements; the last
 * axis is contiguous. Views share storage (the same Storage object): {@link #reshape},
 * {@link #rows} and {@link #window} never copy, {@link #copy} always does. Kernels take tensors,
 * so a row slice costs nothing.
 *
 * <p>Most tensors are host f32 ({@link HostFloats}) and {@link #data()} hands out their array.
 * A bf16 tensor ({@link HostBf16}) or one on a device ({@link DeviceStorage}) still answers
 * {@link #get}, {@link #toArray}, {@link #copy} and {@link #item} (widening or downloading);
 * {@link #toF32()} and {@link #toHost()} turn it into a host f32 tensor.
 *
 * <pre>{@code
 * Tensor x = Tensor.randn(new Rng(42), 4, 8);   // [4, 8], N(0, 1)
 * Tensor firstTwo = x.rows(0, 2);                // [2, 8], shares x's storage
 * Tensor flat = x.reshape(32);                   // [32]
 * }</pre>
 */
public final class Tensor {
  private final Storage storage;
  private final int offset;
  private final int[] shape;
  private final int size;

  private Tensor(Storage storage, int offset, int[] shape) {
    this.shape = shape.clone();
    this.size = Shapes.size(this.shape);
    if (offset < 0 || offset + size > storage.length()) {
      throw new IllegalArgumentException("a tensor of shape " + Shapes.str(shape) + " at offset "
          + offset + " does not fit in storage of " + storage.length() + " elements");
    }
    this.storage = storage;
    this.offset = offset;
  }

  private Tensor(float[] data, int offset, int[] shape) {
    this(new HostFloats(data), offset, shape);
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
    Tensor t = new Tensor(new float[Shapes.size(shape)], 0, shape);
    StepCapture.allocated(t, 0f);
    return t;
  }

  public static Tensor ones(int... shape) {
    return full(1f, shape);
  }

  public static Tensor full(float value, int... shape) {
    float[] d = new float[Shapes.size(shape)];
    Arrays.fill(d, value);
    Tensor t = new Tensor(d, 0, shape);
    StepCapture.allocated(t, value);
    return t;
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

  /**
   * A view of {@code storage} from element {@code offset} with the given shape (no copy): how a
   * device backend or a bf16 loader makes tensors of its own storage.
   */
  public static Tensor on(Storage storage, int offset, int... shape) {
    return new Tensor(storage, offset, shape);
  }

  /** Wraps bf16 bits (no copy) as a read-only tensor of the given shape. */
  public static Tensor ofBf16(short[] bits, int... shape) {
    if (bits.length != Shapes.size(shape)) {
      throw new IllegalArgumentException("Tensor.ofBf16: " + bits.length + " values do not fill shape "
          + Shapes.str(shape) + " (" + Shapes.size(shape) + " values)");
    }
    return new Tensor(new HostBf16(bits), 0, shape);
  }

  /**
   * The backing host f32 array; the tensor occupies {@code [offset(), offset() + size())}.
   *
   * @throws IllegalStateException for a bf16 tensor or one on a device: convert it first
   */
  public float[] data() {
    StepCapture.hostAccess(this, "data()");
    if (storage instanceof HostFloats h) return h.array();
    throw new IllegalStateException("this tensor's values are " + storage.describe() + "; call "
        + (storage.isHost() ? "toF32()" : "toHost()") + " first to read them as a float array");
  }

  /** Where the elements live; shared by every view. */
  public Storage storage() { return storage; }

  public DType dtype() { return storage.dtype(); }

  /** True when the elements are in host memory (f32 or bf16). */
  public boolean isHost() { return storage.isHost(); }

  /** This tensor when it is host f32; otherwise a host f32 copy. */
  public Tensor toHost() {
    return storage instanceof HostFloats ? this : copy();
  }

  /** This tensor when it is f32 (host or device); a bf16 tensor widened (exactly) into a host f32 copy. */
  public Tensor toF32() {
    return dtype() == DType.F32 ? this : copy();
  }

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
    return new Tensor(storage, offset, Shapes.infer(size, newShape, "reshape " + Shapes.str(shape)));
  }

  /** A view of rows {@code [from, to)} along axis 0. */
  public Tensor rows(int from, int to) {
    if (shape.length == 0 || from < 0 || to > shape[0] || from > to) {
      throw new IndexOutOfBoundsException("rows(" + from + ", " + to + ") of shape " + Shapes.str(shape));
    }
    int rowSize = shape[0] == 0 ? 0 : size / shape[0];
    int[] s = shape.clone();
    s[0] = to - from;
    return new Tensor(storage, offset + from * rowSize, s);
  }

  /**
   * A view of {@code size(shape)} consecutive elements starting at flat element {@code start}
   * (no copy): one head's block of an attention buffer, one image of a batch.
   */
  public Tensor window(int start, int... shape) {
    int n = Shapes.size(shape);
    if (start < 0 || start + n > size) {
      throw new IndexOutOfBoundsException("window(" + start + ", " + Shapes.str(shape) + ") of a tensor of shape "
          + Shapes.str(this.shape));
    }
    return new Tensor(storage, offset + start, shape);
  }

  /** A fresh contiguous host f32 copy that owns its storage (bf16 widened, device downloaded). */
  public Tensor copy() {
    return new Tensor(toArray(), 0, shape);
  }

  /** The values as a new f32 array. */
  public float[] toArray() {
    StepCapture.hostAccess(this, "toArray()");
    float[] out = new float[size];
    storage.read(offset, out, 0, size);
    return out;
  }

  /** The value at a flat (row-major) index. */
  public float get(int flatIndex) {
    Shapes.checkIndex(flatIndex, size);
    return read(offset + flatIndex);
  }

  /** The value at a multi-index. */
  public float at(int... index) {
    return read(offset + Shapes.flatIndex(shape, index));
  }

  public void set(int flatIndex, float value) {
    StepCapture.hostAccess(this, "set()");
    Shapes.checkIndex(flatIndex, size);
    if (storage instanceof HostFloats h) {
      h.array()[offset + flatIndex] = value;
    } else {
      storage.write(offset + flatIndex, new float[] {value}, 0, 1);
    }
  }

  private float read(int element) {
    StepCapture.hostAccess(this, "get()");
    if (storage instanceof HostFloats h) return h.array()[element];
    float[] one = new float[1];
    storage.read(element, one, 0, 1);
    return one[0];
  }

  /**
   * The flat index of the first NaN or infinite element, or -1 when every element is finite: the
   * one check behind refusing non-finite weights, adapters, gradients and merges.
   */
  public int firstNonFinite() {
    StepCapture.hostAccess(this, "firstNonFinite()");
    // host f32 is read in place; other storage is widened or downloaded once
    boolean inPlace = storage instanceof HostFloats;
    float[] values = inPlace ? ((HostFloats) storage).array() : toArray();
    int from = inPlace ? offset : 0;
    for (int i = 0; i < size; i++) {
      if (!Float.isFinite(values[from + i])) return i;
    }
    return -1;
  }

  /** The value of a one-element tensor. */
  public float item() {
    if (size != 1) throw new IllegalStateException("item() needs one element, shape is " + Shapes.str(shape));
    return read(offset);
  }

  /** Copies {@code src}'s values into this tensor; both must have the same size. */
  public Tensor copyFrom(Tensor src) {
    if (src.size != size) {
      throw new ShapeException("copyFrom", shape, src.shape);
    }
    StepCapture.hostAccess(src, "copyFrom()");
    StepCapture.hostAccess(this, "copyFrom()");
    if (src.storage instanceof HostFloats h) {
      storage.write(offset, h.array(), src.offset, size);
    } else {
      storage.write(offset, src.toArray(), 0, size);
    }
    return this;
  }

  public Tensor fill(float value) {
    StepCapture.hostAccess(this, "fill()");
    if (storage instanceof HostFloats h) {
      Arrays.fill(h.array(), offset, offset + size, value);
    } else {
      float[] values = new float[size];
      Arrays.fill(values, value);
      storage.write(offset, values, 0, size);
    }
    return this;
  }

  public boolean sameShape(Tensor other) {
    return Arrays.equals(shape, other.shape);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder("Tensor").append(Shapes.str(shape));
    if (!(storage instanceof HostFloats)) sb.append(' ').append(storage.describe());
    sb.append(" [");
    int n = Math.min(size, 8);
    for (int i = 0; i < n; i++) sb.append(i == 0 ? "" : ", ").append(get(i));
    return sb.append(size > n ? ", ...]" : "]").toString();
  }
}
