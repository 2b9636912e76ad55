package org.jlora.engine;

/**
 * F32 storage owned by a device backend (the TornadoVM module subclasses it). The engine never
 * touches the device itself: it moves elements through {@link #download} and {@link #upload}
 * when host code reads or writes a device tensor ({@link Tensor#get}, {@link Tensor#toHost}).
 * Those are slow paths for tests, I/O and checks; a step's kernels should stay on the device.
 */
public abstract non-sealed class DeviceStorage extends Storage {
  private final String location;

  /** {@code length} f32 elements on the device named {@code location} (e.g. "tornado"). */
  public DeviceStorage(int length, String location) {
    super(length);
    this.location = location;
  }

  /** Copies device elements {@code [from, from + n)} into {@code dst} from {@code dstOff}. */
  public abstract void download(int from, float[] dst, int dstOff, int n);

  /** Copies {@code n} values from {@code src} into device elements {@code [to, to + n)}. */
  public abstract void upload(int to, float[] src, int srcOff, int n);

  @Override public final DType dtype() { return DType.F32; }

  @Override public final String location() { return location; }

  @Override public final boolean isHost() { return false; }

  @Override final void read(int from, float[] dst, int dstOff, int n) {
    download(from, dst, dstOff, n);
  }

  @Override final void write(int to, float[] src, int srcOff, int n) {
    upload(to, src, srcOff, n);
  }
}
