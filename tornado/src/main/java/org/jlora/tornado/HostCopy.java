package org.jlora.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Copies between the engine's heap windows ({@code float[]} + offset) and TornadoVM's off-heap
 * {@link FloatArray}s, one bulk copy each way (the Backend contract hands us heap arrays, so every
 * offloaded call stages its operands through these).
 */
final class HostCopy {
  private HostCopy() {}

  /** {@code dst[0, n) = src[off, off+n)}. */
  static void in(float[] src, int off, FloatArray dst, int n) {
    MemorySegment.copy(src, off, dst.getSegment(), ValueLayout.JAVA_FLOAT, 0, n);
  }

  /** {@code dst[off, off+n) = src[0, n)}. */
  static void out(FloatArray src, float[] dst, int off, int n) {
    MemorySegment.copy(src.getSegment(), ValueLayout.JAVA_FLOAT, 0, dst, off, n);
  }
}
