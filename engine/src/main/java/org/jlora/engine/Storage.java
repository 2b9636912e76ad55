package org.jlora.engine;

/**
 * Where a tensor's elements live: a host {@code float[]} ({@link HostFloats}), host bf16 bits
 * ({@link HostBf16}), a buffer owned by a device backend ({@link DeviceStorage}), or a recorded
 * step's placeholder for a temporary ({@link RecordedBuffer}).
 *
 * <p>A storage is shared by every view of it ({@link Tensor#reshape}, {@link Tensor#rows},
 * {@link Tensor#window}): views hold the same Storage object, so a backend may key its device
 * buffers on storage identity. Kernels read host f32 storage directly; other storage must be
 * moved ({@link Tensor#toHost()}) or widened ({@link Tensor#toF32()}) first, or run on a backend
 * whose kernels own it.
 */
public abstract sealed class Storage permits HostFloats, HostBf16, DeviceStorage, RecordedBuffer {
  private final int length;

  Storage(int length) {
    if (length < 0) throw new IllegalArgumentException("storage length must be >= 0, got " + length);
    this.length = length;
  }

  /** Number of elements. */
  public final int length() { return length; }

  public abstract DType dtype();

  /** "host", or the backend that owns the buffer (e.g. "tornado"). */
  public abstract String location();

  public boolean isHost() { return true; }

  /** Copies elements {@code [from, from + n)} into {@code dst} as f32 (widening or downloading). */
  abstract void read(int from, float[] dst, int dstOff, int n);

  /** Writes {@code n} f32 values to elements {@code [to, to + n)}; read-only storage refuses. */
  abstract void write(int to, float[] src, int srcOff, int n);

  /** "f32 on host", "bf16 on host", "f32 on tornado": for messages. */
  public final String describe() {
    return dtype().label() + " on " + location();
  }
}
