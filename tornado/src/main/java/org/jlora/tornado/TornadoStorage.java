package org.jlora.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jlora.engine.DeviceStorage;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * F32 storage of the tornado backend: a TornadoVM {@link FloatArray} (off-heap, the buffer
 * TornadoVM moves to and from the device). The tornado kernels take such tensors as they are,
 * with no heap staging copy; the engine reads or writes them through {@link #download} and
 * {@link #upload} (tests, I/O, checks).
 *
 * <p>Run kernel by kernel ({@link TornadoBackend}), each call's task graph still sends the
 * array to the device and brings it back; a compiled step ({@link TornadoStepCompiler}) keeps
 * every buffer on the device between steps.
 */
public final class TornadoStorage extends DeviceStorage {
  /** {@link Storage#location()} of this backend's tensors. */
  public static final String LOCATION = "tornado";

  private final FloatArray array;

  public TornadoStorage(int length) {
    super(length, LOCATION);
    this.array = new FloatArray(Math.max(1, length));
  }

  /** The device buffer (no copy). */
  public FloatArray array() {
    return array;
  }

  /** A tornado tensor of the given shape holding a copy of {@code host}'s values. */
  public static Tensor copyOf(Tensor host) {
    TornadoStorage s = new TornadoStorage(host.size());
    Tensor t = Tensor.on(s, 0, host.shape());
    t.copyFrom(host);
    return t;
  }

  /** A zero-filled tornado tensor. */
  public static Tensor zeros(int... shape) {
    int n = 1;
    for (int d : shape) n *= d;
    return Tensor.on(new TornadoStorage(n), 0, shape);
  }

  @Override public void download(int from, float[] dst, int dstOff, int n) {
    MemorySegment.copy(array.getSegment(), ValueLayout.JAVA_FLOAT, (long) from * Float.BYTES, dst, dstOff, n);
  }

  @Override public void upload(int to, float[] src, int srcOff, int n) {
    MemorySegment.copy(src, srcOff, array.getSegment(), ValueLayout.JAVA_FLOAT, (long) to * Float.BYTES, n);
  }
}
