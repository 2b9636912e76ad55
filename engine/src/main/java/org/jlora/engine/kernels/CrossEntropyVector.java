package org.jlora.engine.kernels;

import org.jlora.engine.Parallel;
import org.jlora.engine.Tensor;
import org.jlora.engine.UnaryOp;

/**
 * Cross-entropy on the vectorised softmax and elementwise kernels; the definition is
 * {@link CrossEntropyScalar}'s. Backward is one pass over {@link ElementwiseVector#BLOCK}-element
 * blocks of the flat {@code [N, V]} gradient (exp, then the one-hot and ignored rows within the
 * block, then the scale, while the block is in cache), where autograd's {@code LossOps} made
 * three passes; the block edges, and so where the exp's scalar tail falls, are the elementwise
 * kernels', so the bits are {@code LossOps}'s on the vector backend.
 */
public final class CrossEntropyVector {
  private static final int BLOCK = ElementwiseVector.BLOCK;

  private CrossEntropyVector() {}

  /** See {@link CrossEntropyScalar#forward}. */
  // logits: [N, V], targets: [N] -> logp: [N, V], loss: [1]
  public static int forward(Tensor logits, int[] targets, int ignoreIndex, Tensor logp, Tensor loss) {
    CrossEntropyScalar.check("crossEntropyForward", logits, targets, logp, loss);
    int rows = logits.dim(0), vocab = logits.dim(1);
    SoftmaxVector.logSoftmaxRows(rows, vocab, logits.data(), logits.offset(), logp.data(), logp.offset());
    return CrossEntropyScalar.meanNll(logp, targets, ignoreIndex, loss);
  }

  /** See {@link CrossEntropyScalar#backward}; dlogits may be logp. */
  // logp: [N, V], targets: [N], dloss: [1] -> dlogits: [N, V]
  public static void backward(Tensor logp, int[] targets, int ignoreIndex, int count, Tensor dloss, Tensor dlogits) {
    CrossEntropyScalar.check("crossEntropyBackward", logp, targets, dlogits, dloss);
    int n = logp.size(), vocab = logp.dim(1);
    float alpha = dloss.data()[dloss.offset()] / count;
    float[] lp = logp.data(), d = dlogits.data();
    int lo = logp.offset(), dOff = dlogits.offset();
    int blocks = (n + BLOCK - 1) / BLOCK;
    Parallel.forRange(blocks, 1, 10L * n, (fromBlock, toBlock) -> {
      for (int b = fromBlock; b < toBlock; b++) {
        int from = b * BLOCK, to = Math.min(n, from + BLOCK);
        UnaryVector.forward(UnaryOp.EXP, from, to, lp, lo, d, dOff);
        CrossEntropyScalar.oneHotAndIgnored(from, to, vocab, targets, ignoreIndex, d, dOff);
        ElementwiseVector.scaleOnCaller(to - from, alpha, d, dOff + from);
      }
    });
  }
}
