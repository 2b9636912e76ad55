package org.jlora.engine;

/**
 * Softmax and log-softmax along the last axis, on the current {@link Backend}, with their
 * backward rules. Rows are max-subtracted, so large logits stay finite; -Inf entries (a causal
 * mask) get probability 0, and a row of all -Inf gives NaN, as in PyTorch.
 */
public final class Softmax {
  private Softmax() {}

  // x: [..., C] -> [..., C]
  /** {@code exp(x - max) / sum(exp(x - max))} along the last axis. */
  public static Tensor softmax(Tensor x) {
    Tensor out = Tensor.zeros(requireAxis("softmax", x).shape());
    Backends.current().softmaxRows(x.rowCount(), x.lastDim(), x.data(), x.offset(), out.data(), out.offset());
    return out;
  }

  // x: [..., C] -> [..., C]
  /** {@code x - max - log(sum(exp(x - max)))} along the last axis. */
  public static Tensor logSoftmax(Tensor x) {
    Tensor out = Tensor.zeros(requireAxis("logSoftmax", x).shape());
    Backends.current().logSoftmaxRows(x.rowCount(), x.lastDim(), x.data(), x.offset(), out.data(), out.offset());
    return out;
  }

  // y, dy: [..., C] -> dx: [..., C]
  /** The input gradient of {@link #softmax} from its output y: {@code y · (dy - sum(dy · y))}. */
  public static Tensor softmaxBackward(Tensor y, Tensor dy) {
    Shapes.requireSame("softmaxBackward", y, dy);
    Tensor dx = Tensor.zeros(requireAxis("softmaxBackward", y).shape());
    Backends.current().softmaxBackwardRows(y.rowCount(), y.lastDim(), y.data(), y.offset(),
        dy.data(), dy.offset(), dx.data(), dx.offset(), false);
    return dx;
  }

  // y, dy: [..., C] -> dx: [..., C]
  /** The input gradient of {@link #logSoftmax} from its output y: {@code dy - exp(y) · sum(dy)}. */
  public static Tensor logSoftmaxBackward(Tensor y, Tensor dy) {
    Shapes.requireSame("logSoftmaxBackward", y, dy);
    Tensor dx = Tensor.zeros(requireAxis("logSoftmaxBackward", y).shape());
    Backends.current().logSoftmaxBackwardRows(y.rowCount(), y.lastDim(), y.data(), y.offset(),
        dy.data(), dy.offset(), dx.data(), dx.offset(), false);
    return dx;
  }

  private static Tensor requireAxis(String op, Tensor x) {
    if (x.rank() == 0) throw new ShapeException(op + ": a scalar has no last axis to normalise over");
    return x;
  }
}
