package org.jlora.autograd.ops;

import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;

/** Axis arithmetic shared by the reductions and the shape ops: a tensor seen as [outer, len, inner]. */
final class Axes {
  private Axes() {}

  /** {@code axis} made non-negative, or a ShapeException naming {@code op}. */
  static int normalize(String op, int axis, int[] shape) {
    int a = axis < 0 ? axis + shape.length : axis;
    if (a < 0 || a >= shape.length) {
      throw new ShapeException(op + ": axis " + axis + " is out of range for shape " + Shapes.str(shape));
    }
    return a;
  }

  /** Product of the dimensions before {@code axis}. */
  static int outer(int[] shape, int axis) {
    int n = 1;
    for (int i = 0; i < axis; i++) n *= shape[i];
    return n;
  }

  /** Product of the dimensions after {@code axis}. */
  static int inner(int[] shape, int axis) {
    int n = 1;
    for (int i = axis + 1; i < shape.length; i++) n *= shape[i];
    return n;
  }

  /** {@code shape} without {@code axis}. */
  static int[] drop(int[] shape, int axis) {
    int[] out = new int[shape.length - 1];
    for (int i = 0, j = 0; i < shape.length; i++) if (i != axis) out[j++] = shape[i];
    return out;
  }
}
