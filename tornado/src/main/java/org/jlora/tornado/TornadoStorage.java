package org.jlora.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import org.jlora.engine.DeviceStorage;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * F32 storage of the tornado backend: a TornadoVM {@link FloatArray} (off-heap memory
 * TornadoVM can move to a device). The engine reads or writes it through {@link #download} and
 * {@link #upload} (tests, I/O, checks); the tornado kernels accept it, the CPU kernels refuse it.
 *
 * <p>Residency is the compiled step's ({@link TornadoStepCompiler}): there every storage of the
 * step, tornado or host, lives in the step's device arena between steps. Run kernel by kernel
 * ({@link TornadoBackend}), a call's operands (these included: an off-heap copy, not a heap
 * one) are staged into the call's one buffer and move to the device and back per call, because
 * TornadoVM's graphs cannot take one array twice in a task when it is written.
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
