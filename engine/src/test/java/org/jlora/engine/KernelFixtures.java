package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.fail;

/** Tensors for kernel tests: windows at an offset into larger storage, and bit-for-bit comparison. */
final class KernelFixtures {
  private KernelFixtures() {}

  /** The two built-in backends: the scalar twins and the vector kernels tested against them. */
  static final Backend SCALAR = Backends.scalar();
  static final Backend VECTOR = Backends.vector();

  /**
   * A tensor of N(0, std²) values that starts {@code offset} floats into its storage, with
   * sentinel values before and after it, so a kernel that ignores the offset or writes past the
   * window is caught (see {@link #assertWindowOnly}).
   */
  static Tensor randn(Rng rng, float std, int offset, int... shape) {
    int n = Shapes.size(shape);
    float[] storage = new float[offset + n + 2];
    java.util.Arrays.fill(storage, SENTINEL);
    for (int i = 0; i < n; i++) storage[offset + i] = std * rng.nextGaussian();
    return Tensor.view(storage, offset, shape);
  }

  /** A zero tensor at {@code offset} into storage with sentinels around it. */
  static Tensor zeros(int offset, int... shape) {
    int n = Shapes.size(shape);
    float[] storage = new float[offset + n + 2];
    java.util.Arrays.fill(storage, SENTINEL);
    java.util.Arrays.fill(storage, offset, offset + n, 0f);
    return Tensor.view(storage, offset, shape);
  }

  static final float SENTINEL = -12345.5f;

  /** Fails unless every float of the storage outside t's window still holds the sentinel. */
  static void assertWindowOnly(String what, Tensor t) {
    float[] s = t.data();
    for (int i = 0; i < s.length; i++) {
      boolean inside = i >= t.offset() && i < t.offset() + t.size();
      if (!inside && s[i] != SENTINEL) fail(what + ": wrote outside its window at storage index " + i);
    }
  }

  /** Fails unless a and b hold the same floats bit for bit (NaNs compared by their bits too). */
  static void assertSameBits(String what, Tensor expected, Tensor actual) {
    if (expected.size() != actual.size()) fail(what + ": sizes " + expected.size() + " and " + actual.size());
    for (int i = 0; i < expected.size(); i++) {
      float e = expected.get(i), a = actual.get(i);
      if (Float.floatToRawIntBits(e) != Float.floatToRawIntBits(a)) {
        fail(what + " at " + i + " (of " + expected.size() + "): expected " + e + ", got " + a);
      }
    }
  }

  /** {@link ElementwiseKernelsTest#assertClose} on two tensors' windows. */
  static void assertClose(String what, Tensor expected, Tensor actual, float abs, float rel) {
    ElementwiseKernelsTest.assertClose(what, expected.toArray(), actual.toArray(), abs, rel);
  }
}
