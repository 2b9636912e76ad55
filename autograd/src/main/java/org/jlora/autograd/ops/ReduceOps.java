package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
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
    Tensor y = Tensor.of(new float[] {(float) (be.reductions().sum(xv) * factor)});
    return Variable.fromOp(name, y, g -> {
      // dx += factor · g, the scalar broadcast over x
      Tensor dx = x.gradBuffer();
      Tensor s = Tensor.of(new float[] {factor * g.get(0)}, 1);
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
      // dx[o, l, i] += factor · g[o, i]
      Tensor dx = x.gradBuffer();
      float[] d = dx.data();
      float[] gd = g.data();
      if (inner == 1) {
        for (int o = 0; o < outer; o++) {
          float v = factor * gd[g.offset() + o];
          int base = dx.offset() + o * len;
          for (int l = 0; l < len; l++) d[base + l] += v;
        }
      } else {
        for (int o = 0; o < outer; o++) {
          for (int l = 0; l < len; l++) {
            be.elementwise().axpy(factor, g.window(o * inner, inner), dx.window((o * len + l) * inner, inner));
          }
        }
      }
    }, x);
  }
}
