package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Sums and means, of everything or along one axis (the axis is dropped, as in PyTorch's
 * default). Backward broadcasts the output gradient back over what was summed, times
 * {@code 1/count} for a mean.
 */
public final class ReduceOps {
  private ReduceOps() {}

  /** The sum of all elements, a scalar of shape []. */
  public static Variable sum(Variable x) {
    return reduceAll("sum", x, 1f);
  }

  /** The mean of all elements, a scalar of shape []. */
  public static Variable mean(Variable x) {
    return reduceAll("mean", x, 1f / x.value().size());
  }

  private static Variable reduceAll(String name, Variable x, float factor) {
    Backend be = Backends.current();
    Tensor xv = x.value();
    Tensor y = Tensor.zeros();   // shape []: the sum in double, times factor, rounded once
    be.reductions().sum(xv, factor, y);
    return Variable.fromOp(name, y, g -> {
      // dx += factor · g, the one-element s broadcast over x
      Tensor dx = x.gradBuffer();
      Tensor s = Tensor.zeros(1);
      be.elementwise().copy(g.reshape(1), s);
      be.elementwise().scale(factor, s);
      be.elementwise().binary(BinaryOp.ADD, dx, s, dx);
    }, x);
  }

  /** Sum along {@code axis} (negative counts from the end); the axis is removed. */
  public static Variable sum(Variable x, int axis) {
    return reduceAxis("sum", x, axis, false);
  }

  /** Mean along {@code axis} (negative counts from the end); the axis is removed. */
  public static Variable mean(Variable x, int axis) {
    return reduceAxis("mean", x, axis, true);
  }

  private static Variable reduceAxis(String name, Variable x, int axis, boolean mean) {
    Backend be = Backends.current();
    Tensor xv = x.value();
    int[] shape = xv.shape();
    int ax = Axes.normalize(name, axis, shape);
    int outer = Axes.outer(shape, ax);
    int len = shape[ax];
    int inner = Axes.inner(shape, ax);
    float factor = mean ? 1f / len : 1f;
    Tensor y = Tensor.zeros(Axes.drop(shape, ax));
    // x: [outer, len, inner] -> y: [outer, inner]
    if (inner == 1) {
      be.reductions().sumRows(outer, len, xv, y);
    } else {
      for (int o = 0; o < outer; o++) {
        be.reductions().sumColumns(len, inner, xv.window(o * len * inner, len, inner), y.window(o * inner, inner), false);
      }
    }
    if (mean) be.elementwise().scale(factor, y);
    return Variable.fromOp(name, y, g -> {
      // dx[o, l, i] += factor · g[o, i]: g spread over the len copies (a zero stride), then added
      int[] spreadShape = {outer, len, inner};
      Tensor spread = Tensor.zeros(spreadShape);
      be.elementwise().copyStrided(spreadShape, g, 0, new int[] {inner, 0, 1}, spread, 0, Shapes.strides(spreadShape),
          false);
      Tensor dx = x.gradBuffer();
      if (inner == 1) {
        // a row sum's gradient: the product rounded first, then added, as one product per row always was
        be.elementwise().scale(factor, spread);
        be.elementwise().axpy(1f, spread, dx);
      } else {
        be.elementwise().axpy(factor, spread, dx);
      }
    }, x);
  }
}
