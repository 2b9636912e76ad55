package org.jlora.engine;

import static org.jlora.engine.ElementwiseKernelsTest.VLEN;
import static org.jlora.engine.KernelFixtures.SCALAR;
import static org.jlora.engine.KernelFixtures.VECTOR;
import static org.jlora.engine.KernelFixtures.assertClose;
import static org.jlora.engine.KernelFixtures.assertSameBits;
import static org.jlora.engine.KernelFixtures.assertWindowOnly;
import static org.jlora.engine.KernelFixtures.randn;
import static org.jlora.engine.KernelFixtures.zeros;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/**
 * Cross-entropy kernels: the bits of the unfused path (log-softmax, exp, one-hot, scale), vector near
 * scalar, the loss of uniform logits, the gradient against finite differences, ignored rows.
 */
class CrossEntropyKernelsTest {
  static final int IGNORE = -100;

  static int[] targets(int rows, int vocab, Rng rng) {
    int[] t = new int[rows];
    for (int i = 0; i < rows; i++) t[i] = (i == 0 || i == rows - 1 && rows > 2) ? IGNORE : (int) (rng.nextFloat() * vocab);
    return t;
  }

  @Test
  void kernelsAreTheUnfusedLogSoftmaxExpOneHotScalePath() {
    for (int[] size : new int[][] {{3, 1}, {5, VLEN + 3}, {7, 1500}, {4, 4099}}) {
      int rows = size[0], vocab = size[1];
      Rng rng = new Rng(rows * 31 + vocab);
      Tensor logits = randn(rng, 3f, 3, rows, vocab);
      int[] t = targets(rows, vocab, rng);
      Tensor dloss = Tensor.of(new float[] {0.7f}, 1);
      for (boolean vector : new boolean[] {false, true}) {
        String at = (vector ? "vector " : "scalar ") + rows + "x" + vocab;
        // the unfused path: log-softmax, mean NLL in double, then exp, one-hot, ignored rows, scale
        int n = rows * vocab;
        Backend be = vector ? VECTOR : SCALAR;
        float[] e = new float[n];
        be.rows().logSoftmax(rows, vocab, logits, Tensor.of(e, rows, vocab));
        double nll = 0;
        int count = 0;
        for (int i = 0; i < rows; i++) {
          if (t[i] != IGNORE) {
            nll -= e[i * vocab + t[i]];
            count++;
          }
        }
        float expectedLoss = (float) (nll / count);
        be.elementwise().unary(UnaryOp.EXP, Tensor.of(e, n), Tensor.of(e, n));
        for (int i = 0; i < rows; i++) {
          if (t[i] == IGNORE) java.util.Arrays.fill(e, i * vocab, (i + 1) * vocab, 0f);
          else e[i * vocab + t[i]] -= 1f;
        }
        be.elementwise().scale(0.7f / count, Tensor.of(e, n));

        Tensor logp = zeros(2, rows, vocab), loss = zeros(1, 1), dlogits = zeros(1, rows, vocab);
        be.rows().crossEntropy(rows, vocab, logits, t, IGNORE, logp, loss);
        assertEquals(expectedLoss, loss.get(0), at);
        Tensor logpCopy = logp.copy();
        be.rows().crossEntropyBackward(rows, vocab, logp, t, IGNORE, dloss, dlogits);
        assertSameBits("dlogits " + at, Tensor.of(e, rows, vocab), dlogits);
        assertWindowOnly("dlogits " + at, dlogits);
        // in place: the saved buffer becomes the gradient, with the same bits
        be.rows().crossEntropyBackward(rows, vocab, logpCopy, t, IGNORE, dloss, logpCopy);
        assertSameBits("in place " + at, dlogits, logpCopy);
      }
    }
  }

  @Test
  void vectorIsNearScalar() {
    int rows = 9, vocab = 3000;
    Rng rng = new Rng(4);
    Tensor logits = randn(rng, 4f, 0, rows, vocab);
    int[] t = targets(rows, vocab, rng);
    Tensor ls = Tensor.zeros(rows, vocab), lv = Tensor.zeros(rows, vocab), s = Tensor.zeros(1), v = Tensor.zeros(1);
    SCALAR.rows().crossEntropy(rows, vocab, logits, t, IGNORE, ls, s);
    VECTOR.rows().crossEntropy(rows, vocab, logits, t, IGNORE, lv, v);
    assertEquals(s.get(0), v.get(0), 1e-5f);
    SCALAR.rows().crossEntropyBackward(rows, vocab, ls, t, IGNORE, Tensor.ones(1), ls);
    VECTOR.rows().crossEntropyBackward(rows, vocab, lv, t, IGNORE, Tensor.ones(1), lv);
    assertClose("dlogits", ls, lv, 1e-8f, 1e-5f);
  }

  @Test
  void uniformLogitsCostLogVocab() {
    int vocab = 50;
    Tensor loss = Tensor.zeros(1);
    VECTOR.rows().crossEntropy(4, vocab, Tensor.full(2.5f, 4, vocab), new int[] {1, 7, IGNORE, 49}, IGNORE,
        Tensor.zeros(4, vocab), loss);
    assertEquals(Math.log(vocab), loss.get(0), 1e-6);
  }

  /** dL/dlogits against central differences of the loss (double NLL over float log-softmax). */
  @Test
  void gradientMatchesFiniteDifferences() {
    int rows = 4, vocab = VLEN + 5;
    Rng rng = new Rng(5);
    Tensor logits = randn(rng, 1f, 0, rows, vocab);
    int[] t = {3, IGNORE, 0, vocab - 1};
    Tensor logp = Tensor.zeros(rows, vocab), dlogits = Tensor.zeros(rows, vocab);
    VECTOR.rows().crossEntropy(rows, vocab, logits, t, IGNORE, logp, Tensor.zeros(1));
    VECTOR.rows().crossEntropyBackward(rows, vocab, logp, t, IGNORE, Tensor.of(new float[] {2f}, 1), dlogits);
    for (int i : new int[] {0, 3, vocab + 2, 2 * vocab, 3 * vocab + vocab - 1}) {
      float h = 1e-2f, x = logits.get(i);
      logits.set(i, x + h);
      double plus = loss(logits, t);
      logits.set(i, x - h);
      double minus = loss(logits, t);
      logits.set(i, x);
      assertEquals(2 * (plus - minus) / (2 * h), dlogits.get(i), 1e-3, "at " + i);
    }
    for (int c = 0; c < vocab; c++) assertEquals(0f, dlogits.at(1, c), "ignored row");
  }

  private static double loss(Tensor logits, int[] t) {
    Tensor loss = Tensor.zeros(1);
    SCALAR.rows().crossEntropy(logits.dim(0), logits.dim(1), logits, t, IGNORE, Tensor.zeros(logits.shape()), loss);
    return loss.get(0);
  }

  @Test
  void everyRowIgnoredGivesNaNAndABadTargetIsRefused() {
    Tensor loss = Tensor.zeros(1);
    VECTOR.rows().crossEntropy(2, 3, Tensor.zeros(2, 3), new int[] {IGNORE, IGNORE}, IGNORE, Tensor.zeros(2, 3), loss);
    assertTrue(Float.isNaN(loss.get(0)));
    assertThrows(IndexOutOfBoundsException.class, () -> SCALAR.rows().crossEntropy(2, 3, Tensor.zeros(2, 3),
        new int[] {0, 3}, IGNORE, Tensor.zeros(2, 3), Tensor.zeros(1)));
  }
}
