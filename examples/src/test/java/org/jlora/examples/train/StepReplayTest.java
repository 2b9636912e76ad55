package org.jlora.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.CapturedProgram;
import org.jlora.engine.capture.CompiledStep;
import org.jlora.engine.capture.ReplayStep;
import org.jlora.engine.capture.StepCompiler;
import org.jlora.examples.data.Batch;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.gpt2.Gpt2Config;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.junit.jupiter.api.Test;

/**
 * The trainer's recorded-and-replayed step trains exactly as building the graph every step does:
 * the same losses and weights, bit for bit, on the small GPT, GPT-2 and Llama (grouped-query
 * attention), LoRA and full fine-tuning, with gradient clipping active and a learning-rate
 * schedule; and a device backend's {@link StepCompiler} is picked up on its own ("fake-device":
 * the host replay under another name, registered for the tests through ServiceLoader).
 */
class StepReplayTest {
  private static final LlamaConfig LLAMA = LlamaConfig.builder().vocabSize(40).hiddenSize(16).intermediateSize(24)
      .numLayers(3).numHeads(4).numKvHeads(2).maxPositions(16).build();
  private static final Gpt2Config GPT2 = new Gpt2Config(40, 16, 16, 3, 4, 64, 1e-5f, 0f);
  private static final GptConfig GPT = new GptConfig(40, 16, 3, 2, 16, 0f);

  /** The vector backend named "fake-device", and a compiler for it that counts what it is asked. */
  public static final class FakeBackend implements Backends.Provider {
    @Override public String name() { return "fake-device"; }
    @Override public String unavailableReason() { return null; }
    @Override public Backend create() { return Backends.vector().named("fake-device"); }
  }

  static int compiled;
  static int syncs;

  public static final class FakeCompiler implements StepCompiler {
    @Override public String backend() { return "fake-device"; }

    @Override public CompiledStep compile(CapturedProgram program, Backend backend) {
      compiled++;
      ReplayStep host = new ReplayStep(program, backend);
      return new CompiledStep() {
        @Override public void run() { host.run(); }
        @Override public void syncToHost() { syncs++; }
        @Override public String describe() { return "fake device step of " + program.calls().size() + " calls"; }
      };
    }
  }

  private static Batch batch(Rng rng, int rows, int len) {
    int[] x = new int[rows * len];
    int[] y = new int[rows * len];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextInt(40);
      y[i] = i % 5 == 2 ? -100 : rng.nextInt(40);   // some ignored targets
    }
    return new Batch(x, y, rows, len);
  }

  private static TrainConfig config(int steps) {
    return TrainConfig.builder().steps(steps).batchSize(2).contextLength(8).lr(3e-2f).minLr(3e-3f).warmup(2)
        .weightDecay(0.1f).gradClip(0.5f).eval(3, 1).seed(7L).build();
  }

  private static LanguageModel lora(LanguageModel m) {
    LoraModel.inject(m, LoraConfig.builder().r(4).loraAlpha(8).targetRegex(LoraModel.ALL_LINEAR).seed(5L).build());
    Rng rng = new Rng(11);
    for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
      if (e.getKey().contains("lora_B")) e.getValue().value().copyFrom(Tensor.randn(rng, 0f, 0.1f, e.getValue().shape()));
    }
    return m;
  }

  /** Trains 6 steps; returns the per-step losses, then every parameter's final values. */
  private static List<float[]> train(LanguageModel m, StepReplay mode, boolean[] replayed) {
    Trainer trainer = new Trainer(m, config(6), StepReplayTest::batch, StepReplayTest::batch).stepReplay(mode)
        .onMessage(line -> {});
    TrainResult r = trainer.run();
    replayed[0] = trainer.replaysSteps();
    List<float[]> out = new ArrayList<>();
    double[] losses = r.trainCurve()[1];
    float[] l = new float[losses.length];
    for (int i = 0; i < l.length; i++) l[i] = (float) losses[i];
    out.add(l);
    for (Parameter p : m.namedParameters().values()) out.add(p.value().toArray());
    return out;
  }

  private static void assertReplayTrainsTheSame(String what, Supplier<LanguageModel> model) {
    boolean[] replayed = new boolean[1];
    List<float[]> graph = train(model.get(), StepReplay.OFF, replayed);
    assertFalse(replayed[0]);
    List<float[]> replay = train(model.get(), StepReplay.ON, replayed);
    assertTrue(replayed[0], what + ": the steps were replayed");
    assertArrayEquals(graph.get(0), replay.get(0), what + ": losses");
    for (int i = 1; i < graph.size(); i++) assertArrayEquals(graph.get(i), replay.get(i), what + ": parameter " + i);
    // the fills a replay skips, written as NaN instead: no kernel may read them before writing them
    System.setProperty("jlora.replay.poisonSkippedFills", "true");
    try {
      replay = train(model.get(), StepReplay.ON, replayed);
    } finally {
      System.clearProperty("jlora.replay.poisonSkippedFills");
    }
    assertArrayEquals(graph.get(0), replay.get(0), what + ": losses, skipped fills poisoned");
    for (int i = 1; i < graph.size(); i++) {
      assertArrayEquals(graph.get(i), replay.get(i), what + ": parameter " + i + ", skipped fills poisoned");
    }
  }

  @Test
  void replayTrainsTheSmallGptExactly() {
    assertReplayTrainsTheSame("gpt full", () -> new Gpt(GPT, 1L));
    assertReplayTrainsTheSame("gpt lora", () -> lora(new Gpt(GPT, 1L)));
  }

  @Test
  void replayTrainsGpt2Exactly() {
    assertReplayTrainsTheSame("gpt2 full", () -> new Gpt2(GPT2, 1L));
    assertReplayTrainsTheSame("gpt2 lora", () -> lora(new Gpt2(GPT2, 1L)));
  }

  @Test
  void replayTrainsLlamaExactly() {
    assertReplayTrainsTheSame("llama full", () -> new Llama(LLAMA, 1L));
    assertReplayTrainsTheSame("llama lora", () -> lora(new Llama(LLAMA, 1L)));
  }

  /**
   * Dropout is replayed too, the model's and LoRA's on the adapter input: each mask is a per-step
   * input drawn again before every run, from the same generator in the same order as the graph
   * draws it, so the run is the same bit for bit (reusing the recorded step's masks would not be).
   */
  @Test
  void dropoutIsReplayedWithTheMasksTheGraphWouldDraw() {
    assertReplayTrainsTheSame("gpt full, dropout 0.1", () -> new Gpt(new GptConfig(40, 16, 3, 2, 16, 0.1f), 1L));
    for (boolean checkpointed : new boolean[] {false, true}) {
      // checkpointed: each block's recompute draws its masks again from rewound generators, which the replay repeats
      assertReplayTrainsTheSame("llama lora, lora_dropout 0.1" + (checkpointed ? ", checkpointed activations" : ""), () -> {
        Llama m = new Llama(LLAMA, 1L);
        m.setCheckpointActivations(checkpointed);
        LoraModel.inject(m, LoraConfig.builder().r(4).loraAlpha(8).loraDropout(0.1f).targetRegex(LoraModel.ALL_LINEAR)
            .seed(5L).build());
        return m;
      });
    }
  }

  /**
   * A run stopped after 3 steps and resumed from its weights and optimizer state (the first step
   * after the resume is the one recorded) ends exactly where the uninterrupted replayed run does.
   */
  @Test
  void aResumedReplayedRunEndsWhereTheUninterruptedOneDoes() {
    LanguageModel straight = lora(new Llama(LLAMA, 1L));
    new Trainer(straight, config(6), StepReplayTest::batch, null).stepReplay(StepReplay.ON).onMessage(l -> {}).run();

    LanguageModel first = lora(new Llama(LLAMA, 1L));
    Trainer before = new Trainer(first, config(6), StepReplayTest::batch, null).stepReplay(StepReplay.ON)
        .onMessage(l -> {});
    before.run(3);
    Map<String, Tensor> moments = before.optimizer().stateDict(before.trainableParameters());
    LanguageModel resumed = lora(new Llama(LLAMA, 1L));
    for (Map.Entry<String, Parameter> e : first.namedParameters().entrySet()) {
      resumed.namedParameters().get(e.getKey()).value().copyFrom(e.getValue().value());
    }
    Trainer after = new Trainer(resumed, config(6), StepReplayTest::batch, null).stepReplay(StepReplay.ON)
        .onMessage(l -> {});
    after.restore(3, moments, before.curves().get("train"), before.curves().get("val"), 0, "test");
    after.run();
    assertTrue(after.replaysSteps());
    for (Map.Entry<String, Parameter> e : straight.namedParameters().entrySet()) {
      assertArrayEquals(e.getValue().value().toArray(), resumed.namedParameters().get(e.getKey()).value().toArray(),
          e.getKey());
    }
  }

  @Test
  void aDeviceBackendsCompilerIsUsedOnItsOwnAndSyncedBeforeValidation() {
    compiled = 0;
    syncs = 0;
    Backend previous = Backends.use("fake-device");
    try {
      List<String> messages = new ArrayList<>();
      Trainer trainer = new Trainer(new Llama(LLAMA, 1L), config(6), StepReplayTest::batch, StepReplayTest::batch)
          .onMessage(messages::add);
      trainer.run();
      assertTrue(trainer.replaysSteps(), "auto replays on a backend with a step compiler");
      assertEquals(1, compiled);
      // validation after steps 3 and 6 (eval every 3); the end of the run finds nothing newer
      assertEquals(2, syncs);
      assertTrue(messages.get(0).startsWith("fake-device backend: fake device step of "), messages.toString());
    } finally {
      Backends.set(previous);
    }
  }

  /** A model whose loss looks at its value on the host in the middle of the step: a step a replay cannot repeat. */
  private static final class HostPeeking extends LanguageModel {
    private final Gpt inner;

    HostPeeking(Gpt inner) {
      this.inner = inner;
      registerModule("inner", inner);
    }

    @Override public int vocabSize() { return inner.vocabSize(); }
    @Override public int contextLength() { return inner.contextLength(); }
    @Override public String architecture() { return "host-peeking"; }
    @Override public KvCache newCache(int batch, int maxLength) { return inner.newCache(batch, maxLength); }
    @Override public Variable forward(int[] ids, int b, int t, KvCache cache) { return inner.forward(ids, b, t, cache); }

    @Override
    public Variable loss(int[] ids, int[] targets, int b, int t) {
      Variable loss = super.loss(ids, targets, b, t);
      if (loss.value().item() > 1e6f) throw new IllegalStateException("diverged");   // a decision on the host
      return loss;
    }
  }

  /**
   * Gradient accumulation is recorded too: the step's micro-batches, each with its own arrays,
   * their backward passes adding to the gradients before the one update, bit for bit as the graph.
   */
  @Test
  void gradientAccumulationIsReplayedLikeTheGraph() {
    for (int accum : new int[] {2, 3}) {
      boolean[] replayed = new boolean[1];
      Trainer graphRun = new Trainer(lora(new Llama(LLAMA, 1L)), config(6).toBuilder().gradAccum(accum).build(),
          StepReplayTest::batch, StepReplayTest::batch).stepReplay(StepReplay.OFF).onMessage(l -> {});
      TrainResult graph = graphRun.run();
      List<String> messages = new ArrayList<>();
      LanguageModel m = lora(new Llama(LLAMA, 1L));
      Trainer replayRun = new Trainer(m, config(6).toBuilder().gradAccum(accum).build(), StepReplayTest::batch,
          StepReplayTest::batch).stepReplay(StepReplay.ON).onMessage(messages::add);
      TrainResult replay = replayRun.run();
      assertTrue(replayRun.replaysSteps(), "accumulation over " + accum + " is replayed");
      assertTrue(messages.get(0).endsWith("(" + accum + " micro-batches a step)"), messages.get(0));
      assertArrayEquals(graph.trainCurve()[1], replay.trainCurve()[1], "losses, accumulation over " + accum);
      for (Map.Entry<String, Parameter> e : graphRun.model().namedParameters().entrySet()) {
        assertArrayEquals(e.getValue().value().toArray(), m.namedParameters().get(e.getKey()).value().toArray(),
            e.getKey() + ", accumulation over " + accum);
      }
    }
  }

  /**
   * On the CPU, auto replays whatever can be recorded, saying so once; a step that cannot be
   * (a loss that reads its value on the host) builds the graph every step, saying why once.
   */
  @Test
  void onTheCpuAutoReplaysWhatCanBeRecordedAndSaysWhyNotOtherwise() {
    List<String> messages = new ArrayList<>();
    Trainer plain = new Trainer(new Gpt(GPT, 1L), config(6), StepReplayTest::batch, null).onMessage(messages::add);
    plain.run();
    assertTrue(plain.replaysSteps());
    assertEquals(1, messages.size(), messages.toString());
    assertTrue(messages.get(0).startsWith("vector backend: replaying the recorded step: "), messages.get(0));

    messages.clear();
    Trainer peeking = new Trainer(new HostPeeking(new Gpt(GPT, 1L)), config(6), StepReplayTest::batch, null)
        .onMessage(messages::add);
    peeking.run();
    assertFalse(peeking.replaysSteps());
    assertEquals(1, messages.size(), messages.toString());
    assertTrue(messages.get(0).startsWith("building the autograd graph every step, not replaying a recorded step: "
        + "step capture: Tensor.get() touched the values of a tensor"), messages.get(0));

    boolean[] replayed = new boolean[1];
    train(new Gpt(GPT, 1L), StepReplay.OFF, replayed);
    assertFalse(replayed[0], "off never replays");
  }

  /** {@code --quiet} and {@code --json} (a quiet or JSON progress mode) silence the line that says how steps run. */
  @Test
  void aQuietOrJsonRunDoesNotSayHowItsStepsRun() {
    for (org.jlora.examples.ui.Progress.Mode mode : new org.jlora.examples.ui.Progress.Mode[] {
        org.jlora.examples.ui.Progress.Mode.QUIET, org.jlora.examples.ui.Progress.Mode.JSON}) {
      List<String> messages = new ArrayList<>();
      Trainer quiet = new Trainer(new Gpt(GPT, 1L), config(3), StepReplayTest::batch, null).progress("q", mode)
          .onMessage(messages::add);
      quiet.run();
      assertTrue(quiet.replaysSteps(), "still replayed");
      assertEquals(List.of(), messages, mode.toString());
    }
  }

  @Test
  void whatCannotBeReplayedIsRefusedWhenReplayIsAskedFor() {
    Trainer peeking = new Trainer(new HostPeeking(new Gpt(GPT, 1L)), config(3), StepReplayTest::batch, null)
        .stepReplay(StepReplay.ON);
    IllegalStateException e = assertThrows(IllegalStateException.class, peeking::run);
    assertTrue(e.getMessage().startsWith("--step-replay on: the step cannot be replayed: step capture: Tensor.get()"),
        e.getMessage());
  }
}
