package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Softmax and log-softmax over the last axis, and the causal mask that precedes softmax in
 * attention. Both softmax rules run from the saved output y:
 * {@code dx = y·(g - Σ g·y)} and {@code dx = g - exp(y)·Σ g}.
 */
public final class SoftmaxOps {
  private SoftmaxOps() {}

  /** Softmax over the last axis. */
  public static Variable softmax(Variable x) {
    Backend be = Backends.current();
    Tensor xv = x.value();
    int cols = xv.lastDim();
    int rows = xv.rowCount();
    Tensor y = Tensor.zeros(xv.shape());
    be.rows().softmax(rows, cols, xv, y);
    return Variable.fromOp("softmax", y, g -> {
      Tensor dx = x.gradBuffer();
      be.rows().softmaxBackward(rows, cols, y, g, dx, true);
    }, x);
  }

  /** Log-softmax over the last axis. */
  public static Variable logSoftmax(Variable x) {
    Backend be = Backends.current();
    Tensor xv = x.value();
    int cols = xv.lastDim();
    int rows = xv.rowCount();
    Tensor y = Tensor.zeros(xv.shape());
    be.rows().logSoftmax(rows, cols, xv, y);
    return Variable.fromOp("log_softmax", y, g -> {
      Tensor dx = x.gradBuffer();
      be.rows().logSoftmaxBackward(rows, cols, y, g, dx, true);
    }, x);
  }

  /**
   * Attention's causal mask: scores [..., T, T] with every entry above the diagonal (query i,
   * key j > i) set to -infinity, so softmax gives it weight 0. Its gradient is zero there and
   * passes through elsewhere. (No engine kernel: a plain loop over the upper triangle.)
   */
  public static Variable causalMask(Variable scores) {
    Tensor sv = scores.value();
    int[] shape = sv.shape();
    if (shape.length < 2 || shape[shape.length - 1] != shape[shape.length - 2]) {
      throw new ShapeException("causalMask needs scores [..., T, T], got " + Shapes.str(shape));
    }
    int t = shape[shape.length - 1];
    int blocks = sv.size() / (t * t);
    Tensor y = sv.copy();
    float[] d = y.data();
    for (int b = 0; b < blocks; b++) {
      for (int i = 0; i < t; i++) {
        int row = (b * t + i) * t;
        for (int j = i + 1; j < t; j++) d[row + j] = Float.NEGATIVE_INFINITY;
      }
    }
    return Variable.fromOp("causal_mask", y, g -> {
      Tensor dx = scores.gradBuffer();
      float[] dd = dx.data();
      float[] gd = g.data();
      for (int b = 0; b < blocks; b++) {
        for (int i = 0; i < t; i++) {
          int row = (b * t + i) * t;
          for (int j = 0; j <= i; j++) dd[dx.offset() + row + j] += gd[g.offset() + row + j];
        }
      }
    }, scores);
  }
}
