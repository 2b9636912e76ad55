package org.jlora.autograd.ops;

import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.function.Supplier;
import org.jlora.autograd.F;
import org.jlora.autograd.GradCheck;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Finite-difference checks of every op's gradient rule.
 *
 * <p>Each op's output is reduced to a scalar by a dot product with fixed random weights, so
 * every output element's gradient path is exercised with a distinct weight. GradCheck's default
 * tolerance (eps 1e-2, |diff| <= 1e-2 + 1e-2·|numeric|) is justified by float32 forwards of
 * unit-scale values: central differences have truncation error O(eps²·f''') ~ 1e-4 and rounding
 * error ~ 1e-7·|f| / eps ~ 1e-4 here, well inside it, while a wrong rule (a missing factor, a
 * transposed operand, a dropped term) is off by O(1). Inputs of kinked functions (relu) stay
 * more than eps away from the kink.
 */
class OpsGradCheckTest {
  private final Rng rng = new Rng(1234);

  private Variable randn(int... shape) {
    return Variable.of(Tensor.randn(rng, shape), true);
  }

  private Variable uniform(float lo, float hi, int... shape) {
    return Variable.of(Tensor.uniform(rng, lo, hi, shape), true);
  }

  /** sum(op() · w) for fixed random weights w of op()'s shape (drawn on the first call). */
  private Supplier<Variable> dotted(Supplier<Variable> op) {
    Variable[] w = new Variable[1];
    return () -> {
      Variable y = op.get();
      if (w[0] == null) w[0] = Variable.constant(Tensor.randn(rng, y.shape()));
      return F.sum(F.mul(y, w[0]));
    };
  }

  private void check(String what, Supplier<Variable> op, Variable... inputs) {
    GradCheck.check(what, dotted(op), inputs);
  }

  @Test
  void binaryOpsSameShapeAndBroadcast() {
    Variable a = randn(2, 3, 4);
    Variable b = randn(2, 3, 4);
    Variable bias = randn(4);
    Variable column = randn(3, 1);
    Variable positive = uniform(1f, 2f, 2, 3, 4);
    Variable posColumn = uniform(1f, 2f, 3, 1);
    check("add", () -> F.add(a, b), a, b);
    check("add suffix broadcast", () -> F.add(a, bias), a, bias);
    check("add general broadcast", () -> F.add(column, a), column, a);
    check("sub", () -> F.sub(a, b), a, b);
    check("sub broadcast", () -> F.sub(bias, a), bias, a);
    check("mul", () -> F.mul(a, b), a, b);
    check("mul broadcast", () -> F.mul(a, column), a, column);
    check("mul suffix broadcast", () -> F.mul(bias, a), bias, a);
    check("div", () -> F.div(a, positive), a, positive);
    check("div broadcast", () -> F.div(a, posColumn), a, posColumn);
    check("div suffix", () -> F.div(bias, positive), bias, positive);
    check("same variable twice", () -> F.mul(a, a), a);
  }

  @Test
  void unaryOps() {
    Variable x = randn(3, 5);
    Variable positive = uniform(0.5f, 2f, 3, 5);
    Variable awayFromZero = Variable.of(Tensor.uniform(rng, 0.1f, 2f, 3, 5), true);
    float[] d = awayFromZero.value().data();
    for (int i = 0; i < d.length; i += 2) d[i] = -d[i];
    check("scale", () -> F.scale(x, -2.5f), x);
    check("neg", () -> F.neg(x), x);
    check("exp", () -> F.exp(x), x);
    check("log", () -> F.log(positive), positive);
    check("tanh", () -> F.tanh(x), x);
    check("sigmoid", () -> F.sigmoid(x), x);
    check("relu", () -> F.relu(awayFromZero), awayFromZero);
    check("gelu tanh", () -> F.gelu(x, true), x);
    check("gelu erf", () -> F.gelu(x, false), x);
  }

  @Test
  void matmulAllTransposes() {
    for (boolean ta : new boolean[] {false, true}) {
      for (boolean tb : new boolean[] {false, true}) {
        Variable a = ta ? randn(4, 3) : randn(3, 4);   // op(a): [3, 4]
        Variable b = tb ? randn(5, 4) : randn(4, 5);   // op(b): [4, 5]
        check("matmul transA=" + ta + " transB=" + tb, () -> F.matmul(a, ta, b, tb), a, b);
        Variable ba = ta ? randn(2, 4, 3) : randn(2, 3, 4);
        Variable bb = tb ? randn(2, 5, 4) : randn(2, 4, 5);
        check("bmm transA=" + ta + " transB=" + tb, () -> F.bmm(ba, ta, bb, tb), ba, bb);
      }
    }
  }

  @Test
  void linearWithAndWithoutBias() {
    Variable x = randn(2, 3, 4);
    Variable w = randn(5, 4);
    Variable b = randn(5);
    check("linear", () -> F.linear(x, w, b), x, w, b);
    check("linear no bias", () -> F.linear(x, w, null), x, w);
    Variable row = randn(1, 4);   // one row takes the W·xᵀ path (generation's)
    check("linear one row", () -> F.linear(row, w, b), row, w, b);
  }

  @Test
  void reductions() {
    Variable x = randn(2, 3, 4);
    GradCheck.check("sum all", () -> F.sum(F.mul(x, x)), x);
    GradCheck.check("mean all", () -> F.mean(F.mul(x, x)), x);
    for (int axis : new int[] {0, 1, 2, -1}) {
      check("sum axis " + axis, () -> F.sum(x, axis), x);
      check("mean axis " + axis, () -> F.mean(x, axis), x);
    }
  }

  @Test
  void shapeOps() {
    Variable x = randn(2, 3, 4, 5);
    check("reshape", () -> F.reshape(x, 6, -1), x);
    check("transpose 1,2", () -> F.transpose(x, 1, 2), x);
    check("transpose -1,-2", () -> F.transpose(x, -1, -2), x);
    check("permute", () -> F.permute(x, 2, 0, 3, 1), x);
    check("slice", () -> F.slice(x, 2, 1, 3), x);
    check("slice last", () -> F.slice(x, -1, 0, 2), x);
    check("split", () -> {
      Variable[] parts = F.split(x, 3, 2, 3);
      return F.concat(3, parts[1], parts[0]);
    }, x);
    Variable y = randn(2, 2, 4, 5);
    check("concat axis 1", () -> F.concat(1, x, y), x, y);
  }

  @Test
  void softmaxFamilyAndMask() {
    Variable x = randn(2, 3, 6);
    check("softmax", () -> F.softmax(x), x);
    check("logSoftmax", () -> F.logSoftmax(x), x);
    Variable scores = randn(2, 4, 4);
    check("causal mask + softmax", () -> F.softmax(F.causalMask(scores)), scores);
  }

  @Test
  void layerNorm() {
    Variable x = randn(3, 2, 8);
    Variable gamma = uniform(0.5f, 1.5f, 8);
    Variable beta = randn(8);
    check("layerNorm", () -> F.layerNorm(x, gamma, beta, 1e-5f), x, gamma, beta);
    check("layerNorm no affine", () -> F.layerNorm(x, null, null, 1e-5f), x);
  }

  @Test
  void embeddingWithRepeatedIds() {
    Variable table = randn(6, 4);
    int[] ids = {1, 5, 1, 0, 3, 1};
    check("embedding", () -> F.embedding(table, ids, 2, 3), table);
  }

  @Test
  void conv2dGeometries() {
    Variable x = randn(2, 4, 5, 6);
    Variable w = randn(6, 2, 3, 2);   // groups 2: C/groups = 2
    Variable b = randn(6);
    check("conv2d stride 2 pad 1 groups 2", () -> F.conv2d(x, w, b, 2, 1, 1, 1, 1, 1, 2), x, w, b);
    Variable w1 = randn(3, 4, 2, 2);
    check("conv2d dilation 2, no bias", () -> F.conv2d(x, w1, null, 1, 1, 0, 1, 2, 2, 1), x, w1);
  }

  @Test
  void dropoutWithAFixedSeed() {
    Variable x = randn(4, 8);
    check("dropout", () -> F.dropout(x, 0.3f, new Rng(7), true), x);
  }

  @Test
  void crossEntropyWithIgnoreIndex() {
    Variable logits = randn(5, 7);
    int[] targets = {3, -100, 0, 6, 3};
    GradCheck.check("crossEntropy", () -> F.crossEntropy(logits, targets, -100), logits);
  }

  @Test
  void attentionLikeChain() {
    // x [B=2, T=3, C=4] -> qkv -> heads -> scores -> masked softmax -> values, as attention does
    Variable x = randn(2, 3, 4);
    Variable w = randn(12, 4);
    GradCheck.check("attention chain", () -> {
      Variable[] qkv = F.split(F.linear(x, w, null), 2, 4, 4, 4);
      Variable q = F.reshape(F.transpose(F.reshape(qkv[0], 2, 3, 2, 2), 1, 2), 4, 3, 2);
      Variable k = F.reshape(F.transpose(F.reshape(qkv[1], 2, 3, 2, 2), 1, 2), 4, 3, 2);
      Variable v = F.reshape(F.transpose(F.reshape(qkv[2], 2, 3, 2, 2), 1, 2), 4, 3, 2);
      Variable att = F.softmax(F.causalMask(F.scale(F.bmm(q, false, k, true), 0.7f)));
      return F.sum(F.tanh(F.bmm(att, false, v, false)));
    }, x, w);
  }

  @Test
  void addmmAddsTheProductOntoC() {
    Variable c = randn(5, 3);
    Variable a = randn(5, 4);
    Variable b = randn(3, 4);
    check("addmm (b transposed)", () -> F.addmm(c, a, false, b, true), c, a, b);
    Variable bt = randn(4, 3);
    check("addmm", () -> F.addmm(c, a, false, bt, false), c, a, bt);
    Tensor expected = F.add(c, F.matmul(a, false, b, true)).value();
    Tensor actual = F.addmm(c, a, false, b, true).value();
    for (int i = 0; i < expected.size(); i++) {
      org.junit.jupiter.api.Assertions.assertEquals(expected.get(i), actual.get(i), 1e-5f, "element " + i);
    }
    var e = assertThrows(ShapeException.class, () -> F.addmm(randn(5, 2), a, false, b, true));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("addmm"), e.getMessage());
  }

  @Test
  void gradientsHandedOnWithoutCopiesStayCorrect() {
    // add and reshape hand their output gradient to an input as its buffer: the same input on
    // both sides, and a chain of such ops, must still sum every path
    Variable x = randn(3, 4);
    check("x + x", () -> F.add(x, x), x);
    check("x - x + x", () -> F.add(F.sub(x, x), x), x);
    check("reshape(x) + x + x", () -> F.add(F.add(F.reshape(F.reshape(x, 12), 3, 4), x), x), x);
  }

  @Test
  void badShapesNameTheOp() {
    Variable a = randn(2, 3);
    Variable b = randn(4, 5);
    var e = assertThrows(ShapeException.class, () -> F.matmul(a, b));
    org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("matmul"), e.getMessage());
    var e2 = assertThrows(ShapeException.class, () -> F.add(a, randn(3, 2)));
    org.junit.jupiter.api.Assertions.assertTrue(e2.getMessage().contains("add"), e2.getMessage());
    assertThrows(ShapeException.class, () -> F.linear(a, randn(3, 4), null));
    assertThrows(ShapeException.class, () -> F.concat(0, a, randn(2, 4)));
  }
}
