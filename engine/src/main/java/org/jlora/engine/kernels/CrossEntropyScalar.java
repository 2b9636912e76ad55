package org.jlora.engine.kernels;

import java.util.Arrays;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;

/**
 * Cross-entropy fused with its log-softmax, scalar reference: the mean negative log-likelihood
 * of the targets over the rows whose target is not {@code ignoreIndex}. Backward is the short
 * rule {@code dlogits[i] = (softmax(logits[i]) - onehot(t_i)) · g / count}, zero on ignored rows,
 * with {@code g} read from a one-element tensor inside the kernel: the loss and its gradient never
 * come back to the host in the middle of a step.
 *
 * <p>The arithmetic is autograd's {@code LossOps.crossEntropy} on the scalar backend.
 */
public final class CrossEntropyScalar {
  private CrossEntropyScalar() {}

  /**
   * Writes {@code logp = log_softmax(logits)} (saved for backward) and the mean loss (NaN when
   * every target is ignored, as in PyTorch); returns the number of scored rows.
   */
  // logits: [N, V], targets: [N] -> logp: [N, V], loss: [1]
  public static int forward(Tensor logits, int[] targets, int ignoreIndex, Tensor logp, Tensor loss) {
    check("crossEntropyForward", logits, targets, logp, loss);
    int rows = logits.dim(0), vocab = logits.dim(1);
    SoftmaxScalar.logSoftmaxRows(rows, vocab, logits.data(), logits.offset(), logp.data(), logp.offset());
    return meanNll(logp, targets, ignoreIndex, loss);
  }

  /**
   * {@code dlogits = (exp(logp) - onehot) · (dloss / count)}, ignored rows zero; dlogits may be
   * logp itself (the saved buffer is then reused for the gradient).
   */
  // logp: [N, V], targets: [N], dloss: [1] -> dlogits: [N, V]
  public static void backward(Tensor logp, int[] targets, int ignoreIndex, int count, Tensor dloss, Tensor dlogits) {
    check("crossEntropyBackward", logp, targets, dlogits, dloss);
    int rows = logp.dim(0), vocab = logp.dim(1);
    float alpha = dloss.data()[dloss.offset()] / count;
    float[] lp = logp.data(), d = dlogits.data();
    for (int i = 0; i < rows; i++) {
      int in = logp.offset() + i * vocab, out = dlogits.offset() + i * vocab;
      boolean ignored = targets[i] == ignoreIndex;
      for (int c = 0; c < vocab; c++) {
        float p = ignored ? 0f : UnaryMath.apply(UnaryOp.EXP, lp[in + c]);
        if (!ignored && c == targets[i]) p -= 1f;
        d[out + c] = p * alpha;   // ignored rows too: 0 · alpha, NaN when no row is scored, as before
      }
    }
  }

  /**
   * {@code loss = -sum_{scored i} logp[i, t_i] / count} in double, rows in order; checks every
   * target; returns count. Both twins share it: it is N reads, not worth a vector loop.
   */
  static int meanNll(Tensor logp, int[] targets, int ignoreIndex, Tensor loss) {
    int vocab = logp.dim(1);
    int count = 0;
    double nll = 0;
    for (int i = 0; i < targets.length; i++) {
      int t = targets[i];
      if (t == ignoreIndex) continue;
      if (t < 0 || t >= vocab) {
        throw new IndexOutOfBoundsException("crossEntropy: target " + t + " at row " + i + " is outside [0, "
            + vocab + ") and is not the ignore index " + ignoreIndex);
      }
      nll -= logp.data()[logp.offset() + i * vocab + t];
      count++;
    }
    loss.data()[loss.offset()] = (float) (nll / count);
    return count;
  }

  /** Zeros ignored rows and subtracts 1 at each target, within the flat range {@code [from, to)} of d. */
  // d: [N, V] at dOff
  static void oneHotAndIgnored(int from, int to, int vocab, int[] targets, int ignoreIndex, float[] d, int dOff) {
    for (int i = from / vocab; i < targets.length && i * vocab < to; i++) {
      int rowStart = i * vocab;
      if (targets[i] == ignoreIndex) {
        Arrays.fill(d, dOff + Math.max(from, rowStart), dOff + Math.min(to, rowStart + vocab), 0f);
      } else if (rowStart + targets[i] >= from && rowStart + targets[i] < to) {
        d[dOff + rowStart + targets[i]] -= 1f;
      }
    }
  }

  /** values (logits or logp) and out [N, V] alike, N targets, a one-element scalar tensor. */
  static void check(String op, Tensor values, int[] targets, Tensor out, Tensor scalar) {
    if (values.rank() != 2 || values.dim(0) != targets.length || !values.sameShape(out) || scalar.size() != 1) {
      throw new ShapeException(op + ": " + Shapes.str(values.shape()) + " and " + targets.length + " targets, out "
          + Shapes.str(out.shape()) + ", scalar " + Shapes.str(scalar.shape())
          + " (expected [N, V], N targets, [N, V] and one element)");
    }
  }
}
