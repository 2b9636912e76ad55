package org.jlora.engine.kernels;

import java.util.Arrays;
import org.jlora.engine.UnaryOp;

/**
 * Cross-entropy fused with its log-softmax, scalar reference: the mean negative log-likelihood
 * of the targets over the rows whose target is not {@code ignoreIndex}. Backward is the short
 * rule {@code dlogits[i] = (softmax(logits[i]) - onehot(t_i)) · g / count}, zero on ignored rows,
 * with {@code g} read from a one-element tensor inside the kernel: the loss and its gradient never
 * come back to the host in the middle of a step.
 *
 * <p>Forward is the family's log-softmax followed by {@link #meanNll}.
 */
final class CrossEntropyScalar {
  private CrossEntropyScalar() {}

  /** The rows whose target is not {@code ignoreIndex}: the loss's divisor. */
  static int scored(int[] targets, int ignoreIndex) {
    int count = 0;
    for (int t : targets) if (t != ignoreIndex) count++;
    return count;
  }

  /**
   * {@code loss = -sum_{scored i} logp[i, t_i] / count} in double, rows in order (NaN when every
   * target is ignored, as in PyTorch). Both twins share it: it is N reads, not worth a vector loop.
   */
  // logp: [N, V], targets: [N] -> loss: [1]
  static void meanNll(int vocab, float[] logp, int lo, int[] targets, int ignoreIndex, int count,
                      float[] loss, int lossOff) {
    double nll = 0;
    for (int i = 0; i < targets.length; i++) {
      if (targets[i] != ignoreIndex) nll -= logp[lo + i * vocab + targets[i]];
    }
    loss[lossOff] = (float) (nll / count);
  }

  /**
   * {@code dlogits = (exp(logp) - onehot) · (dloss / count)}, ignored rows zero; dlogits may be
   * logp itself (the saved buffer is then reused for the gradient).
   */
  // logp: [N, V], targets: [N], dloss: [1] -> dlogits: [N, V]
  static void backward(int rows, int vocab, float[] lp, int lo, int[] targets, int ignoreIndex, int count,
                       float[] dloss, int dlOff, float[] d, int dOff) {
    float alpha = dloss[dlOff] / count;
    for (int i = 0; i < rows; i++) {
      int in = lo + i * vocab, out = dOff + i * vocab;
      boolean ignored = targets[i] == ignoreIndex;
      for (int c = 0; c < vocab; c++) {
        float p = ignored ? 0f : UnaryMath.apply(UnaryOp.EXP, lp[in + c]);
        if (!ignored && c == targets[i]) p -= 1f;
        d[out + c] = p * alpha;   // ignored rows too: 0 · alpha, NaN when no row is scored
      }
    }
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
}
