package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.StepCapture;

/**
 * Cross-entropy as one fused op: log-softmax, then the mean negative log-likelihood of the
 * targets over the rows whose target is not {@code ignoreIndex}. Fusing gives the short backward
 * {@code dlogits[i] = (softmax(logits[i]) - onehot(t_i)) · g / count} (zero on ignored rows)
 * without a [N, V] log-softmax gradient in between. Both directions are kernels of the rows
 * family: the loss stays in its one-element tensor, and backward reads the incoming gradient g
 * from its tensor inside the kernel, so nothing comes back to the host in the middle of a step.
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
    Tensor loss = Tensor.zeros(1);
    // kept for the backward: a copy, unless a step is being recorded, whose replays refill the
    // caller's array itself (StepCapture refuses a copy there)
    int[] saved = StepCapture.recording() ? targets : targets.clone();
    be.rows().crossEntropy(rows, vocab, lv, saved, ignoreIndex, logp, loss);
    return Variable.fromOp("cross_entropy", loss, g -> {
      // dlogits [N, V] built in logp's own buffer: this rule runs once and then the graph is
      // released, so nothing reads logp again, and a [N, V] gradient (N·V·4 bytes: 50 MB for 256
      // tokens of a 49152 vocabulary) is saved
      be.rows().crossEntropyBackward(rows, vocab, logp, saved, ignoreIndex, g, logp);
      logits.accumulateOwnedGrad(logp);
    }, logits);
  }
}
