package org.jlora.engine;

import java.util.Arrays;

/**
 * Elementwise tensor operations on the current {@link Backend}: they check shapes, allocate
 * outputs (or write into a given one, the {@code ...Into} forms) and call one kernel.
 *
 * <p>Broadcasting: one operand's shape must be a suffix of the other's, after dropping its
 * leading 1s, e.g. {@code [B, T, C] + [C]} or {@code [B, T, C] · [1, T, C]}; the result has the
 * longer shape. That is the case of a bias or a per-channel scale, and all the kernels support.
 */
public final class Elementwise {
  private Elementwise() {}

  public static Tensor add(Tensor a, Tensor b) { return binary(BinaryOp.ADD, a, b); }

  public static Tensor sub(Tensor a, Tensor b) { return binary(BinaryOp.SUB, a, b); }

  public static Tensor mul(Tensor a, Tensor b) { return binary(BinaryOp.MUL, a, b); }

  public static Tensor div(Tensor a, Tensor b) { return binary(BinaryOp.DIV, a, b); }

  /** Elementwise maximum; NaN if either operand is NaN. */
  public static Tensor maximum(Tensor a, Tensor b) { return binary(BinaryOp.MAX, a, b); }

  /** Elementwise minimum; NaN if either operand is NaN. */
  public static Tensor minimum(Tensor a, Tensor b) { return binary(BinaryOp.MIN, a, b); }

  public static Tensor addInto(Tensor a, Tensor b, Tensor out) { return binaryInto(BinaryOp.ADD, a, b, out); }

  public static Tensor subInto(Tensor a, Tensor b, Tensor out) { return binaryInto(BinaryOp.SUB, a, b, out); }

  public static Tensor mulInto(Tensor a, Tensor b, Tensor out) { return binaryInto(BinaryOp.MUL, a, b, out); }

  public static Tensor divInto(Tensor a, Tensor b, Tensor out) { return binaryInto(BinaryOp.DIV, a, b, out); }

  public static Tensor maximumInto(Tensor a, Tensor b, Tensor out) { return binaryInto(BinaryOp.MAX, a, b, out); }

  public static Tensor minimumInto(Tensor a, Tensor b, Tensor out) { return binaryInto(BinaryOp.MIN, a, b, out); }

  /** {@code a op b} into a new tensor of the broadcast shape. */
  public static Tensor binary(BinaryOp op, Tensor a, Tensor b) {
    return binaryInto(op, a, b, Tensor.zeros(broadcastShape(opName(op), a, b)));
  }

  /**
   * {@code out = a op b}; {@code out} must have the broadcast shape and may be {@code a} or
   * {@code b} itself (the kernels read each element before writing it). Returns {@code out}.
   */
  public static Tensor binaryInto(BinaryOp op, Tensor a, Tensor b, Tensor out) {
    int[] shape = broadcastShape(opName(op), a, b);
    if (!Arrays.equals(shape, out.shape())) {
      throw new ShapeException(opName(op) + "Into: " + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape())
          + " give " + Shapes.str(shape) + ", but out is " + Shapes.str(out.shape()));
    }
    Backends.current().binary(op, out.size(), a.data(), a.offset(), a.size(), b.data(), b.offset(), b.size(),
        out.data(), out.offset());
    return out;
  }

  /**
   * The shape of {@code a op b}: the longer of the two, where the other (leading 1s dropped) is a
   * suffix of it; leading 1s pad the result when the shorter shape has the higher rank.
   */
  public static int[] broadcastShape(String op, Tensor a, Tensor b) {
    int[] sa = a.shape(), sb = b.shape();
    boolean aIsBig = a.size() > b.size() || (a.size() == b.size() && sa.length >= sb.length);
    int[] big = aIsBig ? sa : sb;
    int[] small = stripLeadingOnes(aIsBig ? sb : sa);
    if (!isSuffix(small, big)) {
      throw new ShapeException(op + ": shapes " + Shapes.str(sa) + " and " + Shapes.str(sb)
          + " do not broadcast (one must be a suffix of the other, e.g. [B, T, C] and [C])");
    }
    int rank = Math.max(sa.length, sb.length);
    int[] out = new int[rank];
    Arrays.fill(out, 1);
    System.arraycopy(big, 0, out, rank - big.length, big.length);
    return out;
  }

  static int[] stripLeadingOnes(int[] shape) {
    int k = 0;
    while (k < shape.length && shape[k] == 1) k++;
    return Arrays.copyOfRange(shape, k, shape.length);
  }

  static boolean isSuffix(int[] suffix, int[] shape) {
    if (suffix.length > shape.length) return false;
    int d = shape.length - suffix.length;
    for (int i = 0; i < suffix.length; i++) if (suffix[i] != shape[d + i]) return false;
    return true;
  }

  private static String opName(BinaryOp op) {
    return switch (op) {
      case ADD -> "add";
      case SUB -> "sub";
      case MUL -> "mul";
      case DIV -> "div";
      case MAX -> "maximum";
      case MIN -> "minimum";
    };
  }

  /** {@code f(x)} into a new tensor of x's shape. */
  public static Tensor apply(UnaryOp op, Tensor x) {
    return applyInto(op, x, Tensor.zeros(x.shape()));
  }

  /** {@code out = f(x)}; out must have x's shape and may be x itself. Returns {@code out}. */
  public static Tensor applyInto(UnaryOp op, Tensor x, Tensor out) {
    if (!x.sameShape(out)) throw new ShapeException(op.name().toLowerCase() + "Into", x.shape(), out.shape());
    Backends.current().unary(op, x.size(), x.data(), x.offset(), out.data(), out.offset());
    return out;
  }

  /** {@code alpha · x} into a new tensor. */
  public static Tensor scale(Tensor x, float alpha) {
    Tensor out = x.copy();
    Backends.current().scale(out.size(), alpha, out.data(), out.offset());
    return out;
  }

  /** {@code x *= alpha} in place; returns x. */
  public static Tensor scaleInPlace(Tensor x, float alpha) {
    Backends.current().scale(x.size(), alpha, x.data(), x.offset());
    return x;
  }

  /** {@code y += alpha · x} in place (same shapes); returns y. */
  public static Tensor axpy(float alpha, Tensor x, Tensor y) {
    if (!x.sameShape(y)) throw new ShapeException("axpy", x.shape(), y.shape());
    Backends.current().axpy(x.size(), alpha, x.data(), x.offset(), y.data(), y.offset());
    return y;
  }
}
