package org.jlora.autograd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.jlora.autograd.capture.CapturedTraining;
import org.jlora.autograd.optim.AdamW;
import org.jlora.autograd.optim.GradClip;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * A training step captured from the autograd graph and replayed must train exactly as running
 * the graph every step does: the same weights, bit for bit, over several steps on new batches,
 * with clipping active. Checked on {@link OneDoorTest}'s model (embedding, RMSNorm, RoPE, GQA
 * and GPT-2 attention, LayerNorm, SwiGLU, GELU, biased linear, cross-entropy, AdamW).
 */
class CapturedTrainingTest {
  static final int B = OneDoorTest.B, T = OneDoorTest.T, V = OneDoorTest.V;
  static final float MAX_NORM = 0.5f;

  /** The batch of step s, written into the given arrays (the ones a captured step reads). */
  static void batch(int s, int[] ids, int[] targets) {
    Rng data = new Rng(100 + s);
    for (int i = 0; i < ids.length; i++) {
      ids[i] = (int) (data.nextFloat() * V);
      targets[i] = i % 7 == 3 ? -100 : (int) (data.nextFloat() * V);
    }
  }

  /** One ordinary step: graph, backward, clipping by kernels, AdamW. */
  static float eagerStep(OneDoorTest.Model m, AdamW opt, Tensor norm, Tensor coef, int[] ids, int[] targets) {
    return eagerStep(m, opt, norm, coef, ids, targets, new Rng(3), 0f);
  }

  /** {@link #eagerStep} with dropout p drawing its masks from {@code rng}. */
  static float eagerStep(OneDoorTest.Model m, AdamW opt, Tensor norm, Tensor coef, int[] ids, int[] targets,
                         Rng rng, float p) {
    opt.zeroGrad();
    Variable loss = m.loss(ids, targets, rng, p);
    loss.backward();
    GradClip.clipCoefficient(m.params, MAX_NORM, norm, coef);
    opt.step();
    return loss.value().item();
  }

  @Test
  void replayedStepsTrainExactlyAsTheGraphDoes() {
    trainBothWays(0f);
  }

  /**
   * With dropout the replay draws every mask again before each run, from the same generator in
   * the same order as the graph does: the same weights bit for bit (a replay that reused the
   * recorded step's masks would drift from step 3 on).
   */
  @Test
  void withDropoutTheReplayDrawsTheMasksTheGraphWould() {
    trainBothWays(0.1f);
  }

  /** Steps 1-5 built as a graph every step and recorded at step 2 then replayed, dropout p; compared bit for bit. */
  private static void trainBothWays(float p) {
    Rng eagerMasks = new Rng(3);
    Rng replayMasks = new Rng(3);
    OneDoorTest.Model eager = new OneDoorTest.Model(new Rng(1));
    OneDoorTest.Model replayed = new OneDoorTest.Model(new Rng(1));
    AdamW eagerOpt = new AdamW(eager.params, 1e-2f, 0.1f);
    AdamW replayOpt = new AdamW(replayed.params, 1e-2f, 0.1f);
    Tensor norm = Tensor.zeros(1), coef = Tensor.zeros(1);
    eagerOpt.scaleGradientsBy(coef);
    Tensor norm2 = Tensor.zeros(1), coef2 = Tensor.zeros(1);
    replayOpt.scaleGradientsBy(coef2);
    int[] ids = new int[B * T];
    int[] targets = new int[B * T];

    // step 1: both ordinary (the optimizer's moments come to exist)
    batch(1, ids, targets);
    eagerStep(eager, eagerOpt, norm, coef, ids, targets, eagerMasks, p);
    eagerStep(replayed, replayOpt, norm2, coef2, ids, targets, replayMasks, p);

    // step 2: recorded while it runs; steps 3..5 replayed on new batches
    batch(2, ids, targets);
    float eagerLoss = eagerStep(eager, eagerOpt, norm, coef, ids, targets, eagerMasks, p);
    CapturedTraining step = CapturedTraining.capture(replayOpt, replayed.params, MAX_NORM, List.of(ids, targets),
        () -> replayed.loss(ids, targets, replayMasks, p));
    assertEquals(eagerLoss, step.capturedLoss(), 0f);
    assertSameWeights(eager, replayed, "step 2 (recorded)");
    assertTrue(step.calls() > 100, "a whole step is many kernel calls: " + step.calls());
    for (int s = 3; s <= 5; s++) {
      batch(s, ids, targets);
      eagerLoss = eagerStep(eager, eagerOpt, norm, coef, ids, targets, eagerMasks, p);
      float replayLoss = step.run();
      assertEquals(eagerLoss, replayLoss, 0f, "loss at step " + s);
      assertEquals(norm.item(), step.gradNorm(), 0f, "gradient norm at step " + s);
      assertTrue(step.gradNorm() > MAX_NORM, "clipping is active, so the coefficient path is exercised");
      assertSameWeights(eager, replayed, "step " + s);
    }
    assertArrayEquals(flatState(eagerOpt), flatState(replayOpt), "optimizer moments");
    assertTrue(step.describe().startsWith("replaying"), step.describe());
  }

  /**
   * The fills a replay skips, written as NaN instead: had any kernel read one of those buffers
   * before writing it whole, the weights would differ (or be NaN).
   */
  @Test
  void theFillsAReplaySkipsAreNeverRead() {
    System.setProperty("jlora.replay.poisonSkippedFills", "true");
    try {
      replayedStepsTrainExactlyAsTheGraphDoes();
    } finally {
      System.clearProperty("jlora.replay.poisonSkippedFills");
    }
  }

  /** A model, its optimizer and one batch, after one ordinary step (so the optimizer has state). */
  private record Trained(OneDoorTest.Model m, AdamW opt, int[] ids, int[] targets) {
    static Trained oneStep() {
      OneDoorTest.Model m = new OneDoorTest.Model(new Rng(1));
      AdamW opt = new AdamW(m.params, 1e-2f, 0.1f);
      int[] ids = new int[B * T];
      int[] targets = new int[B * T];
      batch(1, ids, targets);
      eagerStep(m, opt, Tensor.zeros(1), Tensor.zeros(1), ids, targets);
      return new Trained(m, opt, ids, targets);
    }

    List<float[]> weights() {
      List<float[]> out = new ArrayList<>();
      for (Parameter p : m.params) out.add(p.value().toArray());
      return out;
    }

    void assertWeights(List<float[]> expected, String what) {
      for (int i = 0; i < m.params.size(); i++) {
        assertArrayEquals(expected.get(i), m.params.get(i).value().toArray(), what + ", parameter " + i);
      }
    }
  }

  @Test
  void aNonFiniteGradientSkipsTheReplayedUpdate() {
    Trained t = Trained.oneStep();
    OneDoorTest.Model m = t.m();
    int[] ids = t.ids();
    int[] targets = t.targets();
    AdamW opt = t.opt();
    CapturedTraining step = CapturedTraining.capture(opt, m.params, MAX_NORM, List.of(ids, targets),
        () -> m.loss(ids, targets, new Rng(3), 0f));
    m.table.value().set(ids[0] * OneDoorTest.C, Float.NaN);   // poison one embedding row the batch reads
    List<float[]> before = t.weights();
    float loss = step.run();
    assertFalse(Float.isFinite(loss));
    assertFalse(Float.isFinite(step.gradNorm()));
    t.assertWeights(before, "no update");
  }

  /**
   * A loss that goes non-finite while every gradient stays finite (here a term the parameters do
   * not reach, 0·s with s a constant that turns infinite) must not train either: nothing reads the
   * loss before a replayed update, so the recorded step folds it into the clipping coefficient.
   */
  @Test
  void aNonFiniteLossSkipsTheReplayedUpdateEvenWithFiniteGradients() {
    Trained t = Trained.oneStep();
    OneDoorTest.Model m = t.m();
    int[] ids = t.ids();
    int[] targets = t.targets();
    Tensor offset = Tensor.zeros(1);   // a constant of the step: no gradient flows into it
    CapturedTraining step = CapturedTraining.capture(t.opt(), m.params, MAX_NORM, List.of(ids, targets),
        () -> F.add(m.loss(ids, targets, new Rng(3), 0f), Variable.constant(offset)));
    offset.set(0, Float.POSITIVE_INFINITY);
    List<float[]> before = t.weights();
    float loss = step.run();
    assertFalse(Float.isFinite(loss));
    assertTrue(Float.isFinite(step.gradNorm()), "the gradients are finite");
    t.assertWeights(before, "no update");
  }

  @Test
  void aStepThatReadsValuesOnTheHostIsRefusedAndChangesNothing() {
    Trained t = Trained.oneStep();
    OneDoorTest.Model m = t.m();
    int[] ids = t.ids();
    int[] targets = t.targets();
    AdamW opt = t.opt();
    float[] stateBefore = flatState(opt);
    List<float[]> weightsBefore = t.weights();
    // a loss that looks at its value on the host in the middle of the step: a decision a replay could not repeat
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> CapturedTraining.capture(opt, m.params,
        MAX_NORM, List.of(ids, targets), () -> {
          Variable loss = m.loss(ids, targets, new Rng(3), 0f);
          loss.value().item();
          return loss;
        }));
    assertTrue(e.getMessage().contains("touched the values of a tensor"), e.getMessage());
    assertEquals("vector", Backends.current().name(), "the backend is put back after a refused capture");
    // a refused recording changed nothing: the step can be taken the ordinary way
    assertArrayEquals(stateBefore, flatState(opt), "optimizer state (step counts included)");
    t.assertWeights(weightsBefore, "a refused recording");
  }

  @Test
  void anOptimizerWithoutStateIsRefused() {
    OneDoorTest.Model m = new OneDoorTest.Model(new Rng(1));
    AdamW opt = new AdamW(m.params, 1e-2f, 0.1f);
    int[] ids = new int[B * T];
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> CapturedTraining.capture(opt, m.params,
        MAX_NORM, List.of(ids, ids), () -> m.loss(ids, ids, new Rng(3), 0f)));
    assertTrue(e.getMessage().contains("take one ordinary step before capturing"), e.getMessage());
  }

  private static void assertSameWeights(OneDoorTest.Model a, OneDoorTest.Model b, String when) {
    for (int i = 0; i < a.params.size(); i++) {
      assertArrayEquals(a.params.get(i).value().toArray(), b.params.get(i).value().toArray(), when + ", parameter " + i);
    }
  }

  private static float[] flatState(AdamW opt) {
    List<Tensor> state = opt.stateTensors();
    int n = 0;
    for (Tensor t : state) n += t.size();
    float[] out = new float[n];
    int at = 0;
    for (Tensor t : state) {
      System.arraycopy(t.toArray(), 0, out, at, t.size());
      at += t.size();
    }
    return out;
  }
}
