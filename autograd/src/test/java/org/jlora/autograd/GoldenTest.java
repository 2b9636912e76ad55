package org.jlora.autograd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import org.jlora.autograd.nn.CausalSelfAttention;
import org.jlora.autograd.nn.GELU;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Sequential;
import org.jlora.autograd.optim.AdamW;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Values and gradients against PyTorch 1.13 (resources/golden, written by make_golden.py).
 *
 * <p>Bound: relative error (max |diff| over the tensor's max |value|) <= 1e-4 for every output
 * and gradient of every op case. Both sides compute in float32; the differences are summation
 * order and libm ulps (about 1e-6 relative), so 1e-4 leaves room for accumulation over the few
 * dozen terms here while any wrong rule, scale or layout is off by far more. The MLP/AdamW case
 * uses the same bound on the loss, the gradients and the parameters after each of two steps.
 */
class GoldenTest {
  private static final double BOUND = 1e-4;

  private record OpCase(List<String> inputs, Function<Map<String, Variable>, Variable> op) {}

  private static Map<String, OpCase> cases(Map<String, Tensor> g) {
    Map<String, OpCase> c = new LinkedHashMap<>();
    c.put("add_broadcast", new OpCase(List.of("a", "b"), v -> F.add(v.get("a"), v.get("b"))));
    c.put("sub_broadcast", new OpCase(List.of("a", "b"), v -> F.sub(v.get("a"), v.get("b"))));
    c.put("mul_broadcast", new OpCase(List.of("a", "b"), v -> F.mul(v.get("a"), v.get("b"))));
    c.put("div", new OpCase(List.of("a", "b"), v -> F.div(v.get("a"), v.get("b"))));
    c.put("exp", new OpCase(List.of("x"), v -> F.exp(v.get("x"))));
    c.put("log", new OpCase(List.of("x"), v -> F.log(v.get("x"))));
    c.put("tanh", new OpCase(List.of("x"), v -> F.tanh(v.get("x"))));
    c.put("relu", new OpCase(List.of("x"), v -> F.relu(v.get("x"))));
    c.put("sigmoid", new OpCase(List.of("x"), v -> F.sigmoid(v.get("x"))));
    c.put("gelu_tanh", new OpCase(List.of("x"), v -> F.gelu(v.get("x"), true)));
    c.put("gelu_erf", new OpCase(List.of("x"), v -> F.gelu(v.get("x"), false)));
    c.put("scale", new OpCase(List.of("x"), v -> F.scale(v.get("x"), -2.5f)));
    for (int ta = 0; ta < 2; ta++) {
      for (int tb = 0; tb < 2; tb++) {
        boolean a = ta == 1;
        boolean b = tb == 1;
        c.put("matmul_" + ta + tb, new OpCase(List.of("a", "b"), v -> F.matmul(v.get("a"), a, v.get("b"), b)));
      }
    }
    c.put("bmm_11", new OpCase(List.of("a", "b"), v -> F.bmm(v.get("a"), true, v.get("b"), true)));
    c.put("linear", new OpCase(List.of("x", "weight", "bias"),
        v -> F.linear(v.get("x"), v.get("weight"), v.get("bias"))));
    c.put("sum_all", new OpCase(List.of("x"), v -> F.sum(F.mul(v.get("x"), v.get("x")))));
    c.put("mean_all", new OpCase(List.of("x"), v -> F.mean(F.mul(v.get("x"), v.get("x")))));
    c.put("sum_axis1", new OpCase(List.of("x"), v -> F.sum(v.get("x"), 1)));
    c.put("mean_axis_last", new OpCase(List.of("x"), v -> F.mean(v.get("x"), -1)));
    c.put("transpose12", new OpCase(List.of("x"), v -> F.transpose(v.get("x"), 1, 2)));
    c.put("permute", new OpCase(List.of("x"), v -> F.permute(v.get("x"), 2, 0, 3, 1)));
    c.put("slice", new OpCase(List.of("x"), v -> F.slice(v.get("x"), 2, 1, 3)));
    c.put("split_concat", new OpCase(List.of("x", "z"),
        v -> F.concat(2, F.split(v.get("x"), 2, 2, 3)[1], v.get("z"))));
    c.put("softmax", new OpCase(List.of("x"), v -> F.softmax(v.get("x"))));
    c.put("log_softmax", new OpCase(List.of("x"), v -> F.logSoftmax(v.get("x"))));
    c.put("causal_softmax", new OpCase(List.of("x"), v -> F.softmax(F.causalMask(v.get("x")))));
    c.put("layer_norm", new OpCase(List.of("x", "weight", "bias"),
        v -> F.layerNorm(v.get("x"), v.get("weight"), v.get("bias"), 1e-5f)));
    int[] ids = Golden.ints(g.get("embedding.ids"));
    c.put("embedding", new OpCase(List.of("weight"), v -> F.embedding(v.get("weight"), ids, 2, 3)));
    c.put("conv2d", new OpCase(List.of("x", "weight", "bias"),
        v -> F.conv2d(v.get("x"), v.get("weight"), v.get("bias"), 2, 1, 1, 1, 1, 1, 2)));
    c.put("conv2d_dilated", new OpCase(List.of("x", "weight"),
        v -> F.conv2d(v.get("x"), v.get("weight"), null, 1, 1, 0, 1, 2, 2, 1)));
    int[] targets = Golden.ints(g.get("cross_entropy.targets"));
    c.put("cross_entropy", new OpCase(List.of("logits"), v -> F.crossEntropy(v.get("logits"), targets, -100)));
    c.put("attention", new OpCase(List.of("x", "c_attn_weight", "c_attn_bias", "c_proj_weight", "c_proj_bias"), v -> {
      CausalSelfAttention attn = new CausalSelfAttention(8, 2, 0f, new Rng(0));
      Map<String, Tensor> sd = new LinkedHashMap<>();
      sd.put("c_attn.weight", v.get("c_attn_weight").value());
      sd.put("c_attn.bias", v.get("c_attn_bias").value());
      sd.put("c_proj.weight", v.get("c_proj_weight").value());
      sd.put("c_proj.bias", v.get("c_proj_bias").value());
      attn.loadStateDict(sd, true);
      Variable y = attn.forward(v.get("x"));
      // gradients land on the module's own parameters: route them back to the case's names
      attnParams = attn.namedParameters();
      return y;
    }));
    return c;
  }

  private static Map<String, org.jlora.autograd.Parameter> attnParams;

  @Test
  void everyOpMatchesPyTorchInValueAndGradient() {
    Map<String, Tensor> g = Golden.load("/golden/ops.txt");
    Map<String, OpCase> cases = cases(g);
    TreeSet<String> inFile = new TreeSet<>();
    for (String k : g.keySet()) inFile.add(k.substring(0, k.indexOf('.')));
    assertEquals(inFile, new TreeSet<>(cases.keySet()), "every golden case has a Java twin and vice versa");
    StringBuilder report = new StringBuilder();
    for (Map.Entry<String, OpCase> e : cases.entrySet()) {
      String name = e.getKey();
      Map<String, Variable> vars = new LinkedHashMap<>();
      for (String in : e.getValue().inputs()) vars.put(in, Variable.of(g.get(name + "." + in).copy(), true));
      attnParams = null;
      Variable y = e.getValue().op().apply(vars);
      check(report, name + ".y", y.value(), g.get(name + ".y"));
      F.sum(F.mul(y, Variable.constant(g.get(name + ".w")))).backward();
      for (String in : e.getValue().inputs()) {
        Tensor grad = vars.get(in).grad();
        if (attnParams != null && !in.equals("x")) {
          grad = attnParams.get(in.replace("c_attn_", "c_attn.").replace("c_proj_", "c_proj.")).grad();
        }
        check(report, name + ".grad." + in, grad, g.get(name + ".grad." + in));
      }
    }
    assertEquals("", report.toString(), "cases over the bound " + BOUND);
  }

  private static void check(StringBuilder report, String what, Tensor actual, Tensor expected) {
    if (actual == null) {
      report.append(what).append(": no gradient\n");
      return;
    }
    assertEquals(expected.size(), actual.size(), what + " size");
    double err = Golden.relativeError(actual, expected);
    if (!(err <= BOUND)) report.append(String.format("%s: relative error %.3g%n", what, err));
  }

  @Test
  void mlpTwoAdamWStepsMatchPyTorch() {
    Map<String, Tensor> g = Golden.load("/golden/mlp_adamw.txt");
    Sequential mlp = new Sequential(new Linear(4, 8, true, new Rng(0)), new GELU(true),
        new Linear(8, 3, true, new Rng(0)));
    Map<String, Tensor> init = new LinkedHashMap<>();
    for (String k : mlp.stateDict().keySet()) init.put(k, g.get("init." + k));
    mlp.loadStateDict(init, true);
    Variable x = Variable.constant(g.get("x"));
    int[] targets = Golden.ints(g.get("targets"));
    AdamW opt = new AdamW(mlp.parameters(), 1e-2f, 0.1f);
    StringBuilder report = new StringBuilder();
    for (int step = 1; step <= 2; step++) {
      opt.zeroGrad();
      Variable loss = F.crossEntropy(mlp.forward(x), targets, -100);
      check(report, "step" + step + ".loss", loss.value(), g.get("step" + step + ".loss"));
      loss.backward();
      for (var e : mlp.namedParameters().entrySet()) {
        check(report, "step" + step + ".grad." + e.getKey(), e.getValue().grad(), g.get("step" + step + ".grad." + e.getKey()));
      }
      opt.step();
      for (var e : mlp.stateDict().entrySet()) {
        check(report, "step" + step + ".after." + e.getKey(), e.getValue(), g.get("step" + step + ".after." + e.getKey()));
      }
    }
    assertEquals("", report.toString(), "over the bound " + BOUND);
  }
}
