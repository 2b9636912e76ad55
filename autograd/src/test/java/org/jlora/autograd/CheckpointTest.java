package org.jlora.autograd;

import static org.junit.jupiter.api.Assertions.*;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.jlora.autograd.nn.CausalSelfAttention;
import org.jlora.autograd.nn.Dropout;
import org.jlora.autograd.nn.LayerNorm;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Activation checkpointing changes what is kept, never what is computed: the loss and every
 * gradient equal those of the plain forward bit for bit, with dropout on (the recompute replays
 * the masks), across steps (the generators continue as without checkpointing), and against finite
 * differences.
 */
class CheckpointTest {
  /** A pre-norm residual block: x + drop(fc2(gelu(fc1(ln(x))))), with a dropout inside and one after. */
  static final class MlpBlock extends Module {
    final Child<LayerNorm> ln = registerModule("ln", new LayerNorm(8));
    final Child<Linear> fc1;
    final Child<Dropout> hiddenDrop;
    final Child<Linear> fc2;
    final Child<Dropout> outDrop;

    MlpBlock(Rng init, Rng dropout) {
      fc1 = registerModule("fc1", new Linear(8, 32, true, init));
      hiddenDrop = registerModule("hidden_drop", new Dropout(0.25f, dropout));
      fc2 = registerModule("fc2", new Linear(32, 8, true, init));
      outDrop = registerModule("out_drop", new Dropout(0.1f, dropout));   // the same generator: replay must restore it twice
    }

    @Override
    public Variable forward(Variable x) {
      Variable h = hiddenDrop.get().forward(F.gelu(fc1.get().forward(ln.get().forward(x)), true));
      return F.add(x, outDrop.get().forward(fc2.get().forward(h)));
    }
  }

  /** x + attn(ln(x)) with attention dropout: q·kᵀ, softmax, the [B, H, T, T] weights that checkpointing drops. */
  static final class AttentionBlock extends Module {
    final Child<LayerNorm> ln = registerModule("ln", new LayerNorm(8));
    final Child<CausalSelfAttention> attn;

    AttentionBlock(Rng rng) {
      attn = registerModule("attn", new CausalSelfAttention(8, 2, 0.2f, rng));
    }

    @Override
    public Variable forward(Variable x) {
      return F.add(x, attn.get().forward(ln.get().forward(x)));
    }
  }

  /** A stack of blocks, checkpointed or not, and a scalar loss. */
  static final class Stack extends Module {
    final List<Module> blocks = new ArrayList<>();
    boolean checkpoint;

    Stack(long seed) {
      Rng init = new Rng(seed);
      Rng dropout = new Rng(seed + 1);   // shared by every block's dropouts, like a model-wide generator
      for (int i = 0; i < 2; i++) {
        blocks.add(registerModule("mlp" + i, new MlpBlock(init, dropout)).get());
        blocks.add(registerModule("attn" + i, new AttentionBlock(init.split())).get());
      }
    }

    Variable loss(Variable x) {
      for (Module b : blocks) x = checkpoint ? F.checkpoint(b::forward, x, b.parameters()) : b.forward(x);
      return F.mean(F.mul(x, x));
    }
  }

  private static Variable input(boolean requiresGrad) {
    return Variable.of(Tensor.randn(new Rng(42), 2, 5, 8), requiresGrad);   // [B, T, C]
  }

  /** Loss, then each parameter's gradient and the input's, flattened, after {@code steps} steps. */
  private static List<float[]> run(boolean checkpoint, boolean inputRequiresGrad, int steps) {
    Stack s = new Stack(7);
    s.train();
    s.checkpoint = checkpoint;
    List<float[]> out = new ArrayList<>();
    for (int step = 0; step < steps; step++) {
      s.zeroGrad();
      Variable x = input(inputRequiresGrad);
      Variable loss = s.loss(x);
      loss.backward();
      out.add(loss.value().toArray());
      for (Parameter p : s.parameters()) out.add(p.grad().toArray());
      if (inputRequiresGrad) out.add(x.grad().toArray());
    }
    return out;
  }

  private static void assertBitIdentical(List<float[]> expected, List<float[]> actual) {
    assertEquals(expected.size(), actual.size());
    for (int i = 0; i < expected.size(); i++) {
      assertArrayEquals(expected.get(i), actual.get(i), 0f, "array " + i + " (0: the loss)");
    }
  }

  @Test
  void lossAndGradientsAreBitIdenticalWithDropoutOn() {
    List<float[]> plain = run(false, true, 1);
    assertBitIdentical(plain, run(true, true, 1));
    // dropout really drew masks: without it (eval mode) the loss differs
    Stack eval = new Stack(7);
    eval.eval();
    assertNotEquals(plain.get(0)[0], eval.loss(input(true)).value().get(0), "sanity: the loss must depend on the masks");
  }

  @Test
  void laterStepsDrawTheSameMasksAsWithoutCheckpointing() {
    // three steps: the recompute rewinds the shared generator and then puts it back where the forward left it
    assertBitIdentical(run(false, true, 3), run(true, true, 3));
  }

  @Test
  void aConstantInputStillTrainsTheBlocksParameters() {
    // LoRA's first block: its input comes from a frozen embedding, only the block's own weights train
    List<float[]> plain = run(false, false, 1);
    List<float[]> ckpt = run(true, false, 1);
    assertBitIdentical(plain, ckpt);
    assertTrue(ckpt.size() > 1 && ckpt.get(1).length > 0);
  }

  @Test
  void theTapeHoldsOneNodeAndBackwardRecomputesTheBlockOnce() {
    AtomicInteger calls = new AtomicInteger();
    Linear lin = new Linear(4, 4, true, new Rng(1));
    Variable x = Variable.of(Tensor.randn(new Rng(2), 3, 4), true);
    Variable y = F.checkpoint(v -> {
      calls.incrementAndGet();
      return F.tanh(lin.forward(F.tanh(v)));
    }, x, lin.parameters());
    assertEquals("checkpoint", y.node().op());
    assertEquals(1, calls.get());
    F.sum(y).backward();
    assertEquals(2, calls.get());
    assertNotNull(lin.weight().grad());
    assertNotNull(x.grad());
  }

  @Test
  void underNoGradItIsThePlainForward() {
    AtomicInteger calls = new AtomicInteger();
    Linear lin = new Linear(4, 4, true, new Rng(1));
    Variable y;
    try (NoGrad g = NoGrad.enter()) {
      y = F.checkpoint(v -> {
        calls.incrementAndGet();
        return lin.forward(v);
      }, Variable.of(Tensor.ones(2, 4), true), lin.parameters());
    }
    assertTrue(y.isLeaf() && !y.requiresGrad());
    assertEquals(1, calls.get());
  }

  @Test
  void backwardInsideNoGradStillRecomputesWithGradients() {
    Linear lin = new Linear(4, 4, true, new Rng(1));
    Variable x = Variable.of(Tensor.randn(new Rng(2), 3, 4), true);
    Variable loss = F.sum(F.checkpoint(v -> F.tanh(lin.forward(v)), x, lin.parameters()));
    try (NoGrad g = NoGrad.enter()) {
      loss.backward();
      assertFalse(NoGrad.isGradEnabled(), "the scope is open again after the recompute");
    }
    assertNotNull(lin.weight().grad());
  }

  @Test
  void nestedCheckpointsAreExact() {
    Linear a = new Linear(4, 4, true, new Rng(1));
    Linear b = new Linear(4, 4, true, new Rng(3));
    List<Parameter> both = new ArrayList<>(a.parameters());
    both.addAll(b.parameters());
    Tensor x0 = Tensor.randn(new Rng(2), 3, 4);
    float[][] grads = new float[2][];
    for (int k = 0; k < 2; k++) {
      a.zeroGrad();
      b.zeroGrad();
      Variable x = Variable.of(x0.copy(), true);
      Variable y = k == 0 ? b.forward(F.tanh(a.forward(x)))
          : F.checkpoint(v -> F.checkpoint(u -> b.forward(F.tanh(u)), a.forward(v), b.parameters()), x, both);
      F.sum(F.mul(y, y)).backward();
      grads[k] = a.weight().grad().toArray();
    }
    assertArrayEquals(grads[0], grads[1], 0f);
  }

  @Test
  void matchesFiniteDifferences() {
    Linear lin = new Linear(3, 3, true, new Rng(5));
    Variable x = Variable.of(Tensor.randn(new Rng(6), 2, 3), true);
    // dropout on, with a generator made afresh in each evaluation: every call sees the same mask
    GradCheck.check("checkpoint", () -> F.sum(F.mul(F.checkpoint(
            v -> F.dropout(F.tanh(lin.forward(v)), 0.3f, new Rng(9), true), x, lin.parameters()),
        F.tanh(x))), x, lin.weight(), lin.bias());
  }

  @Test
  void aCapturedIntermediateThatNeedsAGradientIsRefused() {
    Linear lin = new Linear(4, 4, true, new Rng(1));
    Variable x = Variable.of(Tensor.randn(new Rng(2), 3, 4), true);
    Variable outside = F.tanh(x);   // made outside the block, captured instead of passed in
    Variable y = F.checkpoint(v -> F.add(lin.forward(v), outside), x, lin.parameters());
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> F.sum(y).backward());
    assertTrue(e.getMessage().contains("pass it to the checkpoint as an input"), e.getMessage());
  }
}
