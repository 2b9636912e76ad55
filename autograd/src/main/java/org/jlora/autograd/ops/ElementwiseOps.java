package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;

/**
 * Elementwise ops and their gradients: the four broadcasting binary ops, scaling, and the
 * unary functions (exp, log, tanh, relu, GELU, ...), whose derivatives the engine's
 * {@code unaryBackward} kernel supplies.
 */
public final class ElementwiseOps {
  private ElementwiseOps() {}

  /** {@code a + b}, broadcasting. */
  public static Variable add(Variable a, Variable b) {
    return binary("add", BinaryOp.ADD, a, b);
  }

  /** {@code a - b}, broadcasting. */
  public static Variable sub(Variable a, Variable b) {
    return binary("sub", BinaryOp.SUB, a, b);
  }

  /** {@code a * b} (elementwise), broadcasting. */
  public static Variable mul(Variable a, Variable b) {
    return binary("mul", BinaryOp.MUL, a, b);
  }

  /** {@code a / b} (elementwise), broadcasting. */
  public static Variable div(Variable a, Variable b) {
    return binary("div", BinaryOp.DIV, a, b);
  }

  private static Variable binary(String name, BinaryOp op, Variable a, Variable b) {
    Backend be = Backends.current();
    int[] outShape = Broadcast.shape(name, a.shape(), b.shape());
    Tensor ak = Broadcast.forKernel(a.value(), outShape);
    Tensor bk = Broadcast.forKernel(b.value(), outShape);
    Tensor y = Tensor.zeros(outShape);
    be.elementwise().binary(op, ak, bk, y);
    return Variable.fromOp(name, y, g -> {
      // every rule first forms the gradient at the output's shape, then sums it back over the
      // axes the operand was broadcast along (Broadcast.reduceInto)
      switch (op) {
        case ADD -> {
          // g is spent after this rule: b reads it first, then a may keep it as its buffer
          if (b.requiresGrad()) Broadcast.reduceInto(be, g, false, b);
          if (a.requiresGrad()) Broadcast.reduceInto(be, g, true, a);
        }
        case SUB -> {
          if (a.requiresGrad()) Broadcast.reduceInto(be, g, true, a);
          if (b.requiresGrad()) Broadcast.reduceInto(be, apply(be, UnaryOp.NEG, g), true, b);
        }
        case MUL -> {
          // d(a·b)/da = b, d(a·b)/db = a
          if (a.requiresGrad()) Broadcast.reduceInto(be, times(be, BinaryOp.MUL, g, bk), true, a);
          if (b.requiresGrad()) Broadcast.reduceInto(be, times(be, BinaryOp.MUL, g, ak), true, b);
        }
        case DIV -> {
          // d(a/b)/da = 1/b, d(a/b)/db = -a/b² = -y/b
          if (a.requiresGrad()) Broadcast.reduceInto(be, times(be, BinaryOp.DIV, g, bk), true, a);
          if (b.requiresGrad()) {
            Tensor t = times(be, BinaryOp.MUL, apply(be, UnaryOp.NEG, g), y);
            be.elementwise().binary(BinaryOp.DIV, t, bk, t);
            Broadcast.reduceInto(be, t, true, b);
          }
        }
        default -> throw new IllegalStateException("no gradient rule for " + op);
      }
    }, a, b);
  }

  /** {@code g op x} into a new tensor of g's shape, x broadcast as a suffix (kernel form). */
  private static Tensor times(Backend be, BinaryOp op, Tensor g, Tensor x) {
    Tensor t = Tensor.zeros(g.shape());
    be.elementwise().binary(op, g, x, t);
    return t;
  }

  private static Tensor apply(Backend be, UnaryOp op, Tensor x) {
    Tensor t = Tensor.zeros(x.shape());
    be.elementwise().unary(op, x, t);
    return t;
  }

  /** {@code s · x}. */
  public static Variable scale(Variable x, float s) {
    Backend be = Backends.current();
    Tensor y = Tensor.zeros(x.shape());
    be.elementwise().copy(x.value(), y);
    be.elementwise().scale(s, y);
    return Variable.fromOp("scale", y, g -> {
      Tensor dx = x.gradBuffer();
      be.elementwise().axpy(s, g, dx);   // dx += s·g
    }, x);
  }

  /**
   * {@code f(x)} for a unary function; backward is {@code dx += g · f'(x)}, which the engine
   * computes from x and the saved output y (exp and tanh are cheaper from y).
   */
  public static Variable unary(UnaryOp op, Variable x) {
    Backend be = Backends.current();
    Tensor xv = x.value();
    Tensor y = apply(be, op, xv);
    return Variable.fromOp(op.name().toLowerCase(java.util.Locale.ROOT), y, g -> {
      Tensor dx = x.gradBuffer();
      be.elementwise().unaryBackward(op, xv, y, g, dx, true);
    }, x);
  }
}
