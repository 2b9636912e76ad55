package org.jlora.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;
import org.jlora.examples.data.Batch;
import org.jlora.examples.data.TaskBatches;
import org.jlora.examples.data.Tasks;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LanguageModel;
import org.junit.jupiter.api.Test;

/** The trainer's guards: non-finite numbers stop it before the update, divergence is warned, a stop saves and returns. */
class TrainerSafetyTest {
  static final GptConfig NANO = new GptConfig(Tasks.tokenizer().vocabSize(), 32, 2, 2, 32, 0f);
  static final TaskBatches BASE = new TaskBatches(Tasks.family("base"), false);

  /** The trainer's messages but the one line that says the step is replayed (its own test: StepReplayTest). */
  static java.util.function.Consumer<String> warningsInto(List<String> out) {
    return line -> {
      if (!line.startsWith("vector backend: replaying the recorded step: ")) out.add(line);
    };
  }

  static TrainConfig config(int steps, float lr) {
    return TrainConfig.builder().steps(steps).batchSize(8).contextLength(32).lr(lr).seed(7L).eval(0, 1).build();
  }

  @Test
  void aNanLossStopsTrainingBeforeTheUpdate() {
    int[] calls = {0};
    Trainer.BatchSource fourthIsAllIgnored = (rng, b, t) -> {
      Batch x = BASE.next(rng, b, t);
      if (++calls[0] != 4) return x;
      int[] ignored = new int[x.targets().length];
      Arrays.fill(ignored, Batch.IGNORE);
      return new Batch(x.inputs(), ignored, x.batchSize(), x.blockSize());   // nothing to score: the loss is 0/0
    };
    Gpt model = new Gpt(NANO, 1L);
    Map<String, Tensor>[] afterStep3 = new Map[1];
    Trainer trainer = new Trainer(model, config(10, 1e-2f), fourthIsAllIgnored, null)
        .onStep(r -> { if (r.step() == 3) afterStep3[0] = copy(model.stateDict()); });
    NonFiniteTrainingException e = assertThrows(NonFiniteTrainingException.class, trainer::run);
    assertEquals(4, e.step());
    assertTrue(e.getMessage().startsWith("training stopped at step 4 of 10: the loss is NaN (learning rate "), e.getMessage());
    assertTrue(e.getMessage().contains("Lower --lr") && e.getMessage().contains("check the data"), e.getMessage());
    assertEquals(2, e.getMessage().lines().count(), "two lines");
    assertEquals(3, trainer.stepsDone());
    assertSame(afterStep3[0], model.stateDict(), "the weights are those of step 3");
  }

  /**
   * A model whose loss is finite (ln 3) but whose weight gradient overflows: logits = 1e38 · (h · Wᵀ)
   * with h = 10 and W = 1e-38 are all 20, yet dW = 1e38 · Σ dlogits ⊗ h sums 8 rows of about 1e38
   * each, beyond float's 3.4e38.
   */
  static final class OverflowingGradient extends LanguageModel {
    final Parameter head = registerParameter("head", new Parameter(Tensor.full(1e-38f, 3, 2)));

    @Override public int vocabSize() { return 3; }
    @Override public int contextLength() { return 4; }
    @Override public String architecture() { return "overflow"; }
    @Override public KvCache newCache(int batch, int maxLength) { throw new UnsupportedOperationException(); }

    @Override
    public Variable forward(int[] ids, int b, int t, KvCache cache) {
      return F.scale(F.linear(Variable.constant(Tensor.full(10f, b, t, 2)), head, null), 1e38f);
    }
  }

  @Test
  void aNonFiniteGradientStopsTrainingBeforeTheUpdate() {
    OverflowingGradient model = new OverflowingGradient();
    Trainer.BatchSource zeros = (rng, b, t) -> new Batch(new int[b * t], new int[b * t], b, t);
    TrainConfig cfg = TrainConfig.builder().steps(5).batchSize(2).contextLength(4).lr(1e-3f).seed(1L).build();
    NonFiniteTrainingException e = assertThrows(NonFiniteTrainingException.class,
        () -> new Trainer(model, cfg, zeros, null).run());
    assertEquals(1, e.step());
    assertTrue(e.getMessage().startsWith("training stopped at step 1 of 5: the gradient of 'head' holds "),
        e.getMessage());
    assertTrue(e.getMessage().contains("the weights are those after step 0"), e.getMessage());
    for (float w : model.head.value().toArray()) assertEquals(1e-38f, w, "not updated");
  }

  @Test
  void aLossThatBlowsUpIsWarnedOnceAndAHealthyRunIsNot() {
    LossWatch watch = new LossWatch();
    double[] losses = {3.0, 3.1, 2.9, 5.0, 7.0, 6.5, 7.0, 9.0, 12.0, 15.0};
    List<String> warnings = new ArrayList<>();
    for (int i = 0; i < losses.length; i++) {
      String w = watch.observe(i + 1, losses[i], 9f);
      if (w != null) warnings.add((i + 1) + ": " + w);
    }
    assertEquals(1, warnings.size(), warnings.toString());
    assertTrue(warnings.get(0).startsWith("9: warning: the loss is diverging: 12.00 at step 9, 4.0x the first step's 3.000"
        + " and rising for 3 steps (learning rate 9.0)"), warnings.get(0));
    assertNull(new LossWatch().observe(1, 100, 1f), "one step is no trend");

    List<String> messages = new ArrayList<>();
    new Trainer(new Gpt(NANO, 1L), config(30, 9f), BASE::next, null).onMessage(warningsInto(messages)).run();
    assertEquals(1, messages.size(), "learning rate 9: " + messages);
    assertTrue(messages.get(0).contains("the loss is diverging") && messages.get(0).contains("--lr"), messages.get(0));
    messages.clear();
    new Trainer(new Gpt(NANO, 1L), config(30, 1e-2f), BASE::next, null).onMessage(warningsInto(messages)).run();
    assertEquals(List.of(), messages, "learning rate 0.01 trains quietly");
  }

  @Test
  void aStopRequestSavesAfterTheCurrentStepAndSaysHowToResume() {
    Trainer[] holder = new Trainer[1];
    List<Integer> saves = new ArrayList<>();
    List<String> messages = new ArrayList<>();
    Trainer t = new Trainer(new Gpt(NANO, 1L), config(10, 1e-2f), BASE::next, null)
        .checkpointing(Path.of("ckpt"), 4, Duration.ZERO, (dir, tr) -> saves.add(tr.stepsDone()))
        .stopOn(() -> holder[0].stepsDone() >= 6).resumeCommand("jlora pretrain --resume ckpt").onMessage(warningsInto(messages));
    holder[0] = t;
    TrainResult r = t.run();
    assertTrue(r.interrupted());
    assertEquals(6, t.stepsDone());
    assertEquals(List.of(4, 6), saves, "every 4 steps, and when stopped");
    assertEquals(List.of("stopped after step 6 of 10; saved a checkpoint in ckpt",
        "resume with: jlora pretrain --resume ckpt"), messages);

    saves.clear();
    messages.clear();
    TrainResult rest = t.stopOn(() -> false).run();
    assertFalse(rest.interrupted());
    assertEquals(List.of(8), saves, "the last step is the caller's to save");
    assertEquals(List.of(), messages);

    Trainer unsaved = new Trainer(new Gpt(NANO, 1L), config(10, 1e-2f), BASE::next, null).stopOn(() -> true)
        .onMessage(warningsInto(messages));
    assertTrue(unsaved.run().interrupted());
    assertEquals(List.of("stopped after step 1 of 10; nothing was saved (no checkpoint directory was set)"), messages);
  }

  @Test
  void timedSavesComeBetweenStepSaves() {
    List<Integer> saves = new ArrayList<>();
    new Trainer(new Gpt(NANO, 1L), config(6, 1e-2f), BASE::next, null)
        .checkpointing(Path.of("ckpt"), 0, Duration.ofNanos(1), (dir, tr) -> saves.add(tr.stepsDone())).run();
    assertEquals(List.of(1, 2, 3, 4, 5), saves, "a nanosecond has always passed");
  }

  static Map<String, Tensor> copy(Map<String, Tensor> state) {
    Map<String, Tensor> out = new java.util.LinkedHashMap<>();
    state.forEach((k, v) -> out.put(k, v.copy()));
    return out;
  }

  static void assertSame(Map<String, Tensor> expected, Map<String, Tensor> actual, String why) {
    assertEquals(expected.keySet(), actual.keySet());
    for (String k : expected.keySet()) assertArrayEquals(expected.get(k).toArray(), actual.get(k).toArray(), why + ": " + k);
  }
}
