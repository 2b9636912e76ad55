package org.jlora.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import org.jlora.autograd.optim.AdamW;
import org.jlora.autograd.optim.GradClip;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.RopeLayout;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * One door out of the engine: every numeric operation of a training step (forward, backward,
 * clipping, AdamW) of a small transformer-like graph is a call of the backend's kernel families.
 * The step runs under {@link KernelDoor}, which counts the calls; every op of the graph must
 * call the door, and the step's result must be the plain backend's bit for bit.
 *
 * <p>What this does not check is that no host code reads a tensor's values between kernels: the
 * capture mode of the engine enforces that. (The ops do not; the step's one planned host read is
 * the gradient norm, below, to refuse non-finite gradients.)
 */
class OneDoorTest {
  static final int B = 2, T = 35, C = 16, H = 4, HKV = 2, D = C / H, V = 23, F_DIM = 24;

  private Backend previous;

  @AfterEach
  void restore() {
    if (previous != null) Backends.set(previous);
  }

  /** A Llama-like block, a GPT-2-like attention and an MLP with the rest of the ops, small. */
  static final class Model {
    final List<Parameter> params = new ArrayList<>();
    final Parameter table, norm1, wq, wk, wv, wo, bo, gamma, beta, wqkv, wgate, wup, wgelu, wdown, norm2, lm;

    Model(Rng rng) {
      table = param(rng, V, C);
      norm1 = ones(C);
      wq = param(rng, H * D, C);
      wk = param(rng, HKV * D, C);
      wv = param(rng, HKV * D, C);
      wo = param(rng, C, H * D);
      bo = param(rng, C);
      gamma = ones(C);
      beta = param(rng, C);
      wqkv = param(rng, 3 * C, C);
      wgate = param(rng, F_DIM, C);
      wup = param(rng, F_DIM, C);
      wgelu = param(rng, F_DIM, C);
      wdown = param(rng, C, F_DIM);
      norm2 = ones(C);
      lm = param(rng, V, C);
    }

    private Parameter param(Rng rng, int... shape) {
      Parameter p = new Parameter(Tensor.randn(rng, 0f, 0.3f, shape));
      params.add(p);
      return p;
    }

    private Parameter ones(int n) {
      Parameter p = new Parameter(Tensor.ones(n));
      params.add(p);
      return p;
    }

    /** ids [B, T] -> the mean cross-entropy of the next tokens; one op of each kind the ops file offers a step. */
    Variable loss(int[] ids, int[] targets, Rng dropoutRng) {
      return loss(ids, targets, dropoutRng, 0.1f);
    }

    /** The same with dropout probability {@code p} before the MLP's down projection. */
    Variable loss(int[] ids, int[] targets, Rng dropoutRng, float p) {
      Variable x = F.embedding(table, ids, B, T);                                      // [B, T, C]
      Variable h = F.rmsNorm(x, norm1, 1e-5f);
      Variable q = F.rope(F.reshape(F.linear(h, wq, null), B, T, H, D), 0, 10000f, RopeLayout.HALVES);
      Variable k = F.rope(F.reshape(F.linear(h, wk, null), B, T, HKV, D), 0, 10000f, RopeLayout.HALVES);
      Variable v = F.reshape(F.linear(h, wv, null), B, T, HKV, D);
      x = F.add(x, F.linear(F.groupedQueryAttention(q, k, v), wo, bo));                 // linear with bias
      Variable n = F.layerNorm(x, gamma, beta, 1e-5f);
      x = F.add(x, F.causalSelfAttention(F.linear(n, wqkv, null), H));                  // GPT-2's fused qkv
      n = F.rmsNorm(x, norm2, 1e-5f);
      Variable mlp = F.mul(F.swiglu(F.linear(n, wgate, null), F.linear(n, wup, null)),
          F.gelu(F.linear(n, wgelu, null), true));
      x = F.add(x, F.linear(F.dropout(mlp, p, dropoutRng, true), wdown, null));
      Variable logits = F.reshape(F.linear(x, lm, null), B * T, V);
      return F.crossEntropy(logits, targets, -100);
    }
  }

  /** One step (forward, backward, clipping by kernels, AdamW) on the given backend; returns the trained weights. */
  private static List<Tensor> step(Backend backend, Function<Variable, Variable> eachOp) {
    Backend before = Backends.set(backend);
    try {
      Model model = new Model(new Rng(1));
      Rng data = new Rng(2);
      int[] ids = new int[B * T];
      int[] targets = new int[B * T];
      for (int i = 0; i < ids.length; i++) {
        ids[i] = (int) (data.nextFloat() * V);
        targets[i] = i % 7 == 3 ? -100 : (int) (data.nextFloat() * V);
      }
      AdamW opt = new AdamW(model.params, 1e-2f, 0.1f);
      Tensor norm = Tensor.zeros(1), coef = Tensor.zeros(1);
      opt.scaleGradientsBy(coef);
      eachOp.apply(model.loss(ids, targets, new Rng(3))).backward();
      GradClip.clipCoefficient(model.params, 0.5f, norm, coef);
      opt.step();
      List<Tensor> weights = new ArrayList<>();
      for (Parameter p : model.params) weights.add(p.value());
      return weights;
    } finally {
      Backends.set(before);
    }
  }

  @Test
  void aTrainingStepGoesThroughTheKernelFamiliesOnly() {
    KernelDoor door = new KernelDoor(Backends.vector());
    List<Tensor> throughDoor = step(door.backend, loss -> loss);
    Set<String> expected = new TreeSet<>(List.of(
        "embedding.gatherRows", "embedding.scatterAddRows",
        "rows.rmsNorm", "rows.rmsNormBackward", "rows.layerNorm", "rows.layerNormBackward",
        "rows.crossEntropy", "rows.crossEntropyBackward",
        "attention.ropeForward", "attention.ropeBackward", "attention.toHeads", "attention.fromHeads",
        "attention.causalForward", "attention.causalBackward",
        "elementwise.swiglu", "elementwise.swigluBackward", "elementwise.dropout", "elementwise.unary",
        "elementwise.unaryBackward", "elementwise.binary", "elementwise.copy", "elementwise.axpy",
        "matmul.matmul", "reductions.sumColumns", "reductions.sumOfSquares",
        "optimizer.clipCoefficient", "optimizer.adamw"));
    Set<String> missing = new TreeSet<>(expected);
    missing.removeAll(door.calls.keySet());
    assertTrue(missing.isEmpty(), "kernels the step should have called: " + missing + "; called: " + door.calls);
    assertEquals(16, door.calls.get("optimizer.adamw"), "one AdamW kernel per parameter");

    // the door changes nothing: the same weights, bit for bit
    List<Tensor> plain = step(Backends.vector(), loss -> loss);
    for (int i = 0; i < plain.size(); i++) {
      assertArrayEquals(plain.get(i).toArray(), throughDoor.get(i).toArray(), "parameter " + i);
    }
  }

  /** Each op on its own: its forward calls the door, and so does its backward beyond seeding the gradient. */
  @Test
  void everyOpCallsTheDoorBothWays() {
    KernelDoor door = new KernelDoor(Backends.vector());
    previous = Backends.set(door.backend);
    Rng rng = new Rng(4);
    Map<String, Function<Variable[], Variable>> ops = new java.util.LinkedHashMap<>();
    ops.put("add (column broadcast)", in -> F.add(in[0], F.reshape(F.slice(in[1], 1, 0, 1), 6, 1)));
    ops.put("mul", in -> F.mul(in[0], in[1]));
    ops.put("scale", in -> F.scale(in[0], 0.5f));
    ops.put("permute", in -> F.permute(F.reshape(in[0], 2, 3, 8), 2, 0, 1));
    ops.put("slice", in -> F.slice(in[0], 1, 2, 5));
    ops.put("concat", in -> F.concat(1, in[0], in[1]));
    ops.put("sum", in -> F.sum(in[0]));
    ops.put("mean along an axis", in -> F.mean(in[0], 0));
    ops.put("softmax", in -> F.softmax(in[0]));
    ops.put("log-softmax", in -> F.logSoftmax(in[0]));
    ops.put("causal mask", in -> F.causalMask(F.reshape(F.slice(in[0], 1, 0, 6), 6, 6)));
    ops.put("conv2d with bias", in -> F.conv2d(F.reshape(in[0], 1, 3, 4, 4), F.reshape(F.slice(in[1], 1, 0, 6), 2, 3, 3, 2),
        F.reshape(F.slice(F.slice(in[1], 0, 0, 1), 1, 6, 8), 2), 1, 1, 1, 0, 1, 1, 1));
    for (Map.Entry<String, Function<Variable[], Variable>> op : ops.entrySet()) {
      Variable a = Variable.of(Tensor.randn(rng, 6, 8), true);
      Variable b = Variable.of(Tensor.randn(rng, 6, 8), true);
      door.calls.clear();
      Variable y = op.getValue().apply(new Variable[] {a, b});
      int forward = door.total();
      assertTrue(forward > 0, op.getKey() + ": its forward called no kernel");
      door.calls.clear();
      y.backward(Tensor.randn(rng, y.shape()));
      assertTrue(door.total() > 1, op.getKey() + ": its backward called no kernel beyond seeding: " + door.calls);
    }
  }
}
