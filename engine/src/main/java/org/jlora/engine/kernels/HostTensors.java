package org.jlora.engine.kernels;

import org.jlora.engine.DType;
import org.jlora.engine.HostFloats;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * The checks at the door of the host kernels: a tensor must be host f32 (these kernels read
 * {@code float[]}) and its window must hold the elements the call needs. Both fail with a message
 * that names the kernel and the operand, before any element is touched.
 */
final class HostTensors {
  private HostTensors() {}

  /** The host array behind {@code t}, or a clear error naming the kernel, the operand and its storage. */
  static float[] f32(String op, String operand, Tensor t) {
    if (t.storage() instanceof HostFloats h) return h.array();
    String fix = t.dtype() == DType.BF16 ? "toF32()" : "toHost()";
    throw new IllegalStateException(op + ": " + operand + " is " + t.storage().describe()
        + ", but the host kernels read f32 on host; call " + fix + " first or use a backend whose "
        + op + " kernel takes it");
  }

  /** {@link #f32}, or null for a null (optional) operand. */
  static float[] f32OrNull(String op, String operand, Tensor t) {
    return t == null ? null : f32(op, operand, t);
  }

  /** The window's offset, 0 for a null operand. */
  static int offset(Tensor t) {
    return t == null ? 0 : t.offset();
  }

  /** {@code t} must hold exactly {@code expected} elements. */
  static void size(String op, String operand, Tensor t, long expected) {
    if (t.size() != expected) {
      throw new ShapeException(op + ": " + operand + " " + Shapes.str(t.shape()) + " holds " + t.size()
          + " elements, but the call needs " + expected);
    }
  }

  /** {@link #size} for an optional operand. */
  static void sizeOrNull(String op, String operand, Tensor t, long expected) {
    if (t != null) size(op, operand, t, expected);
  }

  /** Both windows must hold the same number of elements. */
  static void sameSize(String op, String nameA, Tensor a, String nameB, Tensor b) {
    if (a.size() != b.size()) {
      throw new ShapeException(op + ": " + nameA + " " + Shapes.str(a.shape()) + " and " + nameB + " "
          + Shapes.str(b.shape()) + " hold different numbers of elements (" + a.size() + " and " + b.size() + ")");
    }
  }
}
