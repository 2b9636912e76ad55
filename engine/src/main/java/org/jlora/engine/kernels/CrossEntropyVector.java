package org.jlora.engine.kernels;

import org.jlora.engine.Parallel;
import org.jlora.engine.UnaryOp;

/**
 * Cross-entropy's backward on the vectorised elementwise kernels; the definition is
 * {@link CrossEntropyScalar}'s. It is one pass over {@link ElementwiseVector#BLOCK}-element
 * blocks of the flat {@code [N, V]} gradient (exp, then the one-hot and ignored rows within the
 * block, then the scale, while the block is in cache), where autograd's {@code LossOps} made
 * three passes; the block edges, and so where the exp's scalar tail falls, are the elementwise
 * kernels', so the bits are those three passes' on the vector backend.
 */
final class CrossEntropyVector {
  private static final int BLOCK = ElementwiseVector.BLOCK;

  private CrossEntropyVector() {}

  /** See {@link CrossEntropyScalar#backward}; dlogits may be logp. */
  // logp: [N, V], targets: [N], dloss: [1] -> dlogits: [N, V]
  static void backward(int rows, int vocab, float[] lp, int lo, int[] targets, int ignoreIndex, int count,
                       float[] dloss, int dlOff, float[] d, int dOff) {
    int n = rows * vocab;
    float alpha = dloss[dlOff] / count;
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
