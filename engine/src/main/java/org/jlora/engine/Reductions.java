package org.jlora.engine;

import java.util.Arrays;

/**
 * Reductions of tensors on the current {@link Backend}: whole-tensor sum/mean/max, reductions
 * of the last axis, and the sum over leading axes that undoes a broadcast.
 */
public final class Reductions {
  private Reductions() {}

  /** Sum of all elements, accumulated in double (the same value for any thread count). */
  public static float sum(Tensor x) {
    return (float) Backends.current().sum(x.size(), x.data(), x.offset());
  }

  /** Mean of all elements; NaN for an empty tensor. */
  public static float mean(Tensor x) {
    return (float) (Backends.current().sum(x.size(), x.data(), x.offset()) / x.size());
  }

  /** Largest element; NaN if any element is NaN. */
  public static float max(Tensor x) {
    if (x.size() == 0) throw new IllegalArgumentException("max: tensor of shape " + Shapes.str(x.shape()) + " is empty");
    return Backends.current().max(x.size(), x.data(), x.offset());
  }

  // x: [..., C] -> [...]
  /** Sum over the last axis. */
  public static Tensor sumLastAxis(Tensor x) {
    Tensor out = Tensor.zeros(dropLastAxis("sumLastAxis", x));
    Backends.current().sumRows(x.rowCount(), x.lastDim(), x.data(), x.offset(), out.data(), out.offset());
    return out;
  }

  // x: [..., C] -> [...]
  /** Mean over the last axis. */
  public static Tensor meanLastAxis(Tensor x) {
    Tensor out = sumLastAxis(x);
    Backends.current().scale(out.size(), 1f / x.lastDim(), out.data(), out.offset());
    return out;
  }

  // x: [..., C] -> [...]
  /** Maximum over the last axis; NaN for a row holding a NaN. */
  public static Tensor maxLastAxis(Tensor x) {
    Tensor out = Tensor.zeros(dropLastAxis("maxLastAxis", x));
    if (x.lastDim() == 0) throw new IllegalArgumentException("maxLastAxis: last axis of " + Shapes.str(x.shape()) + " is empty");
    Backends.current().maxRows(x.rowCount(), x.lastDim(), x.data(), x.offset(), out.data(), out.offset());
    return out;
  }

  // x: [B, T, C], targetShape [C] (or [1, C], [T, C], ...) -> targetShape
  /**
   * Sums {@code x} down to {@code targetShape}, which must be a suffix of x's shape (leading 1s
   * allowed): the backward of broadcasting a {@code targetShape} tensor up to x's shape.
   */
  public static Tensor sumLeadingAxes(Tensor x, int[] targetShape) {
    int[] target = Elementwise.stripLeadingOnes(targetShape);
    if (targetShape.length > x.rank() || !Elementwise.isSuffix(target, x.shape())) {
      throw new ShapeException("sumLeadingAxes: target " + Shapes.str(targetShape)
          + " is not a suffix of " + Shapes.str(x.shape()));
    }
    Tensor out = Tensor.zeros(targetShape);
    int cols = out.size();
    int rows = cols == 0 ? 0 : x.size() / cols;
    Backends.current().sumColumns(rows, cols, x.data(), x.offset(), out.data(), out.offset(), false);
    return out;
  }

  private static int[] dropLastAxis(String op, Tensor x) {
    if (x.rank() == 0) throw new ShapeException(op + ": a scalar has no last axis");
    int[] s = x.shape();
    return Arrays.copyOf(s, s.length - 1);
  }
}
