package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;

/**
 * Cross-entropy as one fused op: log-softmax, then the mean negative log-likelihood of the
 * targets over the rows whose target is not {@code ignoreIndex}. Fusing gives the short backward
 * {@code dlogits[i] = (softmax(logits[i]) - onehot(t_i)) · g / count} (zero on ignored rows)
 * without a [N, V] log-softmax gradient in between.
 */
public final class LossOps {
  private LossOps() {}

  /** logits [N, V], targets [N] -> the scalar mean loss (NaN when every target is ignored, as in PyTorch). */
  public static Variable crossEntropy(Variable logits, int[] targets, int ignoreIndex) {
    Backend be = Backends.current();
    Tensor lv = logits.value();
    if (lv.rank() != 2 || lv.dim(0) != targets.length) {
      throw new ShapeException("crossEntropy: logits " + Shapes.str(lv.shape()) + " and " + targets.length
          + " targets (expected [N, V] and N targets)");
    }
    int rows = lv.dim(0);
    int vocab = lv.dim(1);
    Tensor logp = Tensor.zeros(rows, vocab);
    be.rows().logSoftmax(rows, vocab, lv, logp);
    int count = 0;
    double nll = 0;
    for (int i = 0; i < rows; i++) {
      int t = targets[i];
      if (t == ignoreIndex) continue;
      if (t < 0 || t >= vocab) {
        throw new IndexOutOfBoundsException("crossEntropy: target " + t + " at row " + i + " is outside [0, "
            + vocab + ") and is not the ignore index " + ignoreIndex);
      }
      nll -= logp.get(i * vocab + t);
      count++;
    }
    int valid = count;
    Tensor loss = Tensor.of(new float[] {(float) (nll / valid)});
    int[] saved = targets.clone();
    return Variable.fromOp("cross_entropy", loss, g -> {
      // dlogits [N, V] = (exp(logp) - onehot) · g / count, ignored rows zero. Built in logp's own
      // buffer: this rule runs once and then the graph is released, so nothing reads logp again,
      // and a [N, V] gradient (N·V·4 bytes: 50 MB for 256 tokens of a 49152 vocabulary) is saved
      Tensor d = logp;
      be.elementwise().unary(UnaryOp.EXP, d, d);
      float[] dd = d.data();
      for (int i = 0; i < rows; i++) {
        if (saved[i] == ignoreIndex) {
          java.util.Arrays.fill(dd, i * vocab, (i + 1) * vocab, 0f);
        } else {
          dd[i * vocab + saved[i]] -= 1f;
        }
      }
      be.elementwise().scale(g.get(0) / valid, d);
      logits.accumulateOwnedGrad(d);
    }, logits);
  }
}
