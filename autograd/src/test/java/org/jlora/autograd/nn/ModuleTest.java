package org.jlora.autograd.nn;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.F;
import org.jlora.autograd.GradCheck;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/** Module naming, modes, state dicts, child replacement, and the layers' shapes and init. */
class ModuleTest {

  /** A two-block toy with the naming of a GPT: blocks.0.attn.c_attn.weight, ... */
  static final class Block extends Module {
    final Child<LayerNorm> ln;
    final Child<CausalSelfAttention> attn;
    final List<Boolean> modeChanges = new ArrayList<>();

    Block(Rng rng) {
      ln = registerModule("ln_1", new LayerNorm(8));
      attn = registerModule("attn", new CausalSelfAttention(8, 2, 0f, rng));
    }

    @Override
    protected void onTrainingModeChanged(boolean training) {
      modeChanges.add(training);
    }

    @Override
    public Variable forward(Variable x) {
      return F.add(x, attn.get().forward(ln.get().forward(x)));
    }
  }

  static final class Toy extends Module {
    final Child<Sequential> blocks;
    final Child<Linear> head;

    Toy(Rng rng) {
      blocks = registerModule("blocks", new Sequential(new Block(rng), new Block(rng)));
      head = registerModule("head", new Linear(8, 3, false, rng));
    }

    @Override
    public Variable forward(Variable x) {
      return head.get().forward(blocks.get().forward(x));
    }
  }

  @Test
  void namesAreDottedDepthFirstInRegistrationOrder() {
    Toy toy = new Toy(new Rng(1));
    List<String> names = new ArrayList<>(toy.namedParameters().keySet());
    assertEquals(List.of("blocks.0.ln_1.weight", "blocks.0.ln_1.bias", "blocks.0.attn.c_attn.weight",
        "blocks.0.attn.c_attn.bias", "blocks.0.attn.c_proj.weight", "blocks.0.attn.c_proj.bias"),
        names.subList(0, 6));
    assertEquals("head.weight", names.get(names.size() - 1), "absent bias is not listed");
    assertEquals(13, names.size());
    assertEquals(2 * (8 + 8 + 8 * 24 + 24 + 64 + 8) + 24, toy.parameterCount());
    assertTrue(toy.namedModules().containsKey(""));
    assertSame(toy.blocks.get().get(1), toy.namedModules().get("blocks.1"));
    assertTrue(toy.namedModules().get("blocks.1.attn.c_attn") instanceof Linear);
  }

  @Test
  void trainEvalPropagatesAndCallsHooksOnlyOnChange() {
    Toy toy = new Toy(new Rng(1));
    Block b0 = (Block) toy.blocks.get().get(0);
    toy.train();
    assertTrue(b0.modeChanges.isEmpty(), "already training: no change, no hook");
    toy.eval();
    assertFalse(b0.attn.get().child("c_attn").isTraining());
    toy.train(true);
    assertEquals(List.of(false, true), b0.modeChanges);
  }

  @Test
  void stateDictRoundTripAndStrictChecksNameTheKey() {
    Toy a = new Toy(new Rng(1));
    Toy b = new Toy(new Rng(2));
    Map<String, Tensor> copy = new LinkedHashMap<>();
    a.stateDict().forEach((k, v) -> copy.put(k, v.copy()));
    b.loadStateDict(copy, true);
    assertArrayEquals(a.stateDict().get("head.weight").toArray(), b.stateDict().get("head.weight").toArray());

    Map<String, Tensor> missing = new LinkedHashMap<>(copy);
    missing.remove("blocks.1.ln_1.bias");
    missing.put("blocks.9.extra", Tensor.zeros(1));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.loadStateDict(missing, true));
    assertTrue(e.getMessage().contains("blocks.1.ln_1.bias") && e.getMessage().contains("blocks.9.extra"),
        e.getMessage());
    missing.remove("blocks.9.extra");
    b.loadStateDict(missing, false);   // non-strict: the rest loads

    Map<String, Tensor> wrong = new LinkedHashMap<>(copy);
    wrong.put("head.weight", Tensor.zeros(8, 3));
    float before = b.stateDict().get("blocks.0.ln_1.weight").get(0);
    ShapeException se = assertThrows(ShapeException.class, () -> b.loadStateDict(wrong, false));
    assertTrue(se.getMessage().contains("head.weight"), se.getMessage());
    assertEquals(before, b.stateDict().get("blocks.0.ln_1.weight").get(0), "nothing copied on error");
  }

  /** A LoRA-like subclass: shares the base weight. */
  static final class SharedLinear extends Linear {
    SharedLinear(Linear base) {
      super(base.weight(), base.bias());
    }
  }

  @Test
  void replaceChildChecksTheSlotTypeAndParentsSeeTheReplacement() {
    Toy toy = new Toy(new Rng(1));
    CausalSelfAttention attn = (CausalSelfAttention) toy.namedModules().get("blocks.0.attn");
    Linear base = (Linear) attn.child("c_attn");
    SharedLinear shared = new SharedLinear(base);
    attn.replaceChild("c_attn", shared);
    assertSame(shared, toy.namedModules().get("blocks.0.attn.c_attn"));
    assertSame(base.weight(), toy.namedParameters().get("blocks.0.attn.c_attn.weight"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> attn.replaceChild("c_proj", new LayerNorm(8)));
    assertTrue(e.getMessage().contains("c_proj") && e.getMessage().contains("Linear"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> attn.replaceChild("nope", shared));
    // the forward really goes through the replacement
    Variable y = toy.forward(Variable.constant(Tensor.randn(new Rng(3), 1, 4, 8)));
    assertArrayEquals(new int[] {1, 4, 3}, y.shape());
  }

  @Test
  void linearInitFollowsPyTorch() {
    Linear l = new Linear(64, 32, true, new Rng(5));
    assertArrayEquals(new int[] {32, 64}, l.weight().shape());
    float bound = 1f / 8f;
    float max = 0;
    for (float v : l.weight().value().toArray()) max = Math.max(max, Math.abs(v));
    for (float v : l.bias().value().toArray()) max = Math.max(max, Math.abs(v));
    assertTrue(max <= bound && max > 0.9f * bound, "weights in U(-1/sqrt(in), 1/sqrt(in)), max " + max);
    assertEquals(64, l.inFeatures());
    assertEquals(32, l.outFeatures());
  }

  @Test
  void convEmbeddingAndSequentialShapes() {
    Rng rng = new Rng(7);
    Conv2d conv = new Conv2d(4, 6, 3, 3, 2, 1, 1, 2, true, rng);
    assertArrayEquals(new int[] {6, 2, 3, 3}, conv.weight().shape());
    assertEquals(4, conv.inChannels());
    Variable y = conv.forward(Variable.constant(Tensor.randn(rng, 2, 4, 9, 9)));
    assertArrayEquals(new int[] {2, 6, 5, 5}, y.shape());
    Embedding emb = new Embedding(10, 4, rng);
    assertArrayEquals(new int[] {2, 3, 4}, emb.forward(new int[] {1, 2, 3, 4, 5, 9}, 2, 3).shape());
    Sequential mlp = new Sequential(new Linear(4, 8, true, rng), new GELU(true), new Dropout(0.5f, rng),
        new Linear(8, 2, true, rng));
    assertEquals(List.of("0.weight", "0.bias", "3.weight", "3.bias"), new ArrayList<>(mlp.namedParameters().keySet()));
    mlp.eval();
    Variable x = Variable.constant(Tensor.randn(rng, 5, 4));
    assertArrayEquals(mlp.forward(x).value().toArray(), mlp.forward(x).value().toArray(), "eval is deterministic");
  }

  @Test
  void attentionIsCausalAndItsGradientsCheck() {
    Rng rng = new Rng(11);
    CausalSelfAttention attn = new CausalSelfAttention(8, 2, 0f, rng);
    Tensor x = Tensor.randn(rng, 2, 5, 8);
    Tensor y1 = attn.forward(Variable.constant(x)).value();
    Tensor x2 = x.copy();
    for (int c = 0; c < 8; c++) x2.set((0 * 5 + 4) * 8 + c, 100f);   // change the last token of batch 0
    Tensor y2 = attn.forward(Variable.constant(x2)).value();
    for (int i = 0; i < 4 * 8; i++) assertEquals(y1.get(i), y2.get(i), 1e-5f, "token < 4 must not see token 4");
    assertNotEquals(y1.get(4 * 8), y2.get(4 * 8));

    Variable xv = Variable.of(Tensor.randn(rng, 1, 4, 8), true);
    Tensor w = Tensor.randn(rng, 1, 4, 8);
    Parameter[] ps = attn.parameters().toArray(new Parameter[0]);
    Variable[] inputs = new Variable[ps.length + 1];
    inputs[0] = xv;
    System.arraycopy(ps, 0, inputs, 1, ps.length);
    GradCheck.check("attention", () -> F.sum(F.mul(attn.forward(xv), Variable.constant(w))), inputs);
  }
}
