package org.jlora.autograd.ops;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jlora.autograd.F;
import org.jlora.autograd.GradCheck;
import org.jlora.autograd.Variable;
import org.jlora.engine.AttentionKernels;
import org.jlora.engine.Rng;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * The fused causal attention op against the same attention composed from elementary ops (split,
 * permutes, bmm, scale, mask, softmax), for values and for the gradient of qkv, and by finite
 * differences. Odd sizes (T = 5, D = 3) keep every vector tail and edge tile in play.
 */
class AttentionOpsTest {
  private final Rng rng = new Rng(77);

  /** The reference: attention from elementary ops, qkv [B, T, 3C] -> [B, T, C]. */
  private static Variable composed(Variable qkv, int nHead) {
    int[] s = qkv.shape();
    int b = s[0];
    int t = s[1];
    int c = s[2] / 3;
    int d = c / nHead;
    Variable[] parts = F.split(qkv, 2, c, c, c);
    Variable[] heads = new Variable[3];
    for (int i = 0; i < 3; i++) {
      heads[i] = F.reshape(F.transpose(F.reshape(parts[i], b, t, nHead, d), 1, 2), b * nHead, t, d);
    }
    Variable scores = F.scale(F.bmm(heads[0], false, heads[1], true), (float) (1.0 / Math.sqrt(d)));
    Variable y = F.bmm(F.softmax(F.causalMask(scores)), false, heads[2], false);
    return F.reshape(F.transpose(F.reshape(y, b, nHead, t, d), 1, 2), b, t, c);
  }

  @Test
  void matchesTheComposedOpsInValueAndGradient() {
    int b = 2;
    int t = 5;
    int nHead = 3;
    int c = 9;
    Tensor x = Tensor.randn(rng, b, t, 3 * c);
    Tensor w = Tensor.randn(rng, b, t, c);   // fixed weights: loss = sum(y · w)
    Variable qkvFused = Variable.of(x.copy(), true);
    Variable qkvRef = Variable.of(x.copy(), true);
    Variable yFused = F.causalSelfAttention(qkvFused, nHead);
    Variable yRef = composed(qkvRef, nHead);
    assertClose(yRef.value(), yFused.value(), 1e-5f, "value");
    F.sum(F.mul(yFused, Variable.constant(w))).backward();
    F.sum(F.mul(yRef, Variable.constant(w))).backward();
    assertClose(qkvRef.grad(), qkvFused.grad(), 1e-5f, "d qkv");
  }

  @Test
  void matchesTheComposedOpsOverSeveralQueryBlocks() {
    // T = 70: query blocks of 32, 32 and a ragged 6, each seeing only the keys up to its last row
    int b = 2;
    int t = 2 * AttentionKernels.CAUSAL_BLOCK + 6;
    int nHead = 2;
    int c = 8;
    Tensor x = Tensor.randn(rng, b, t, 3 * c);
    Tensor w = Tensor.randn(rng, b, t, c);
    Variable qkvFused = Variable.of(x.copy(), true);
    Variable qkvRef = Variable.of(x.copy(), true);
    Variable yFused = F.causalSelfAttention(qkvFused, nHead);
    Variable yRef = composed(qkvRef, nHead);
    assertClose(yRef.value(), yFused.value(), 1e-5f, "value");
    F.sum(F.mul(yFused, Variable.constant(w))).backward();
    F.sum(F.mul(yRef, Variable.constant(w))).backward();
    assertClose(qkvRef.grad(), qkvFused.grad(), 1e-5f, "d qkv");
  }

  @Test
  void firstPositionAttendsOnlyToItself() {
    // T = 1 per row of the mask: y at position 0 is v at position 0, whatever q and k are
    Variable qkv = Variable.of(Tensor.randn(rng, 1, 4, 6), false);
    Tensor y = F.causalSelfAttention(qkv, 2).value();
    for (int e = 0; e < 2; e++) assertEquals(qkv.value().at(0, 0, 4 + e), y.at(0, 0, e), 0f);
  }

  @Test
  void gradientMatchesFiniteDifferences() {
    Variable qkv = Variable.of(Tensor.randn(rng, 2, 4, 12), true);
    Tensor w = Tensor.randn(rng, 2, 4, 4);
    GradCheck.check("causalSelfAttention", () -> F.sum(F.mul(F.causalSelfAttention(qkv, 2), Variable.constant(w))), qkv);
  }

  @Test
  void badShapesNameTheOp() {
    var e = assertThrows(ShapeException.class,
        () -> F.causalSelfAttention(Variable.of(Tensor.zeros(2, 3, 10), false), 2));
    assertTrue(e.getMessage().contains("causalSelfAttention"), e.getMessage());
    assertThrows(ShapeException.class, () -> F.causalSelfAttention(Variable.of(Tensor.zeros(3, 12), false), 2));
  }

  private static void assertClose(Tensor expected, Tensor actual, float tol, String what) {
    assertEquals(expected.size(), actual.size(), what + ": sizes");
    for (int i = 0; i < expected.size(); i++) {
      float e = expected.get(i);
      float a = actual.get(i);
      assertTrue(Math.abs(e - a) <= tol * (1 + Math.abs(e)), what + " element " + i + ": " + e + " vs " + a);
    }
  }
}
