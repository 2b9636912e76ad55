package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
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
   * passes through elsewhere. Both directions are one broadcast kernel against a [T, T] table made
   * on the host (an input, like a dropout mask): {@code + 0 / -inf} forward, {@code · 1 / 0} back.
   */
  public static Variable causalMask(Variable scores) {
    Backend be = Backends.current();
    Tensor sv = scores.value();
    int[] shape = sv.shape();
    if (shape.length < 2 || shape[shape.length - 1] != shape[shape.length - 2]) {
      throw new ShapeException("causalMask needs scores [..., T, T], got " + Shapes.str(shape));
    }
    int t = shape[shape.length - 1];
    // the tables are made as host arrays first: constants of a step that is recorded
    float[] hide = new float[t * t];   // -inf above the diagonal, 0 on and below
    float[] keep = new float[t * t];   // 0 above the diagonal, 1 on and below
    for (int i = 0; i < t; i++) {
      for (int j = 0; j < t; j++) {
        hide[i * t + j] = j > i ? Float.NEGATIVE_INFINITY : 0f;
        keep[i * t + j] = j > i ? 0f : 1f;
      }
    }
    return masked(be, scores, Tensor.of(hide, t, t), Tensor.of(keep, t, t));
  }

  /** scores + hide, its gradient g · keep. */
  private static Variable masked(Backend be, Variable scores, Tensor hide, Tensor keep) {
    Tensor sv = scores.value();
    int[] shape = sv.shape();
    Tensor y = Tensor.zeros(shape);
    be.elementwise().binary(BinaryOp.ADD, sv, hide, y);
    return Variable.fromOp("causal_mask", y, g -> {
      Tensor kept = Tensor.zeros(shape);
      be.elementwise().binary(BinaryOp.MUL, g, keep, kept);
      scores.accumulateOwnedGrad(kept);
    }, scores);
  }
}
