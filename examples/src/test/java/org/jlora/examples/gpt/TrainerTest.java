package org.jlora.examples.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Tensor;
import org.jlora.examples.data.TaskBatches;
import org.jlora.examples.data.Tasks;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.gpt2.Gpt2Config;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The training loop on a 2-layer, 32-dim GPT and the "base" tasks: a few dozen steps, seconds. */
class TrainerTest {
  static final GptConfig NANO = new GptConfig(Tasks.tokenizer().vocabSize(), 32, 2, 2, 32, 0f);
  static final TaskBatches BASE = new TaskBatches(Tasks.family("base"), false);   // every position scored: the format is learnt in a few steps

  static TrainConfig config(int steps) {
    return TrainConfig.builder().steps(steps).batchSize(8).contextLength(32).lr(1e-2f).seed(7L).eval(5, 2).build();
  }

  static Trainer trainer(Gpt model, int steps) {
    return new Trainer(model, config(steps), BASE::next, BASE::next);
  }

  @Test
  void aShortRunLowersTheLossAndReportsItsCosts() {
    Gpt model = new Gpt(NANO, 1L);
    TrainResult r = trainer(model, 40).run();
    double[] loss = r.trainCurve()[1];
    assertEquals(40, loss.length);
    double first = (loss[0] + loss[1] + loss[2]) / 3;
    assertTrue(r.finalTrainLoss() < 0.8 * first, "loss " + first + " -> " + r.finalTrainLoss());
    assertEquals(8, r.valCurve()[0].length, "validation every 5 steps");
    assertTrue(r.finalValLoss() < r.valCurve()[1][0], "validation loss falls too");
    assertEquals(model.parameterCount(), r.trainableParams());
    long tensors = model.namedParameters().size();
    assertEquals(4L * (2 * model.parameterCount() + tensors), r.optimizerStateBytes(),
        "AdamW: m and v of 4 bytes per parameter, and one step count per tensor");
    assertTrue(r.msPerStep() > 0 && r.tokensPerSecond() > 0 && r.peakHeapBytes() > 0);
  }

  @Test
  void theSameSeedGivesTheSameRun() {
    Gpt a = new Gpt(NANO, 3L);
    Gpt b = new Gpt(NANO, 3L);
    assertArrayEquals(trainer(a, 6).run().trainCurve()[1], trainer(b, 6).run().trainCurve()[1]);
    assertWeightsIdentical(a, b);
  }

  @Test
  void resumingFromACheckpointIsBitIdentical(@TempDir Path dir) throws Exception {
    Gpt straight = new Gpt(NANO, 5L);
    TrainResult whole = trainer(straight, 8).run();

    Gpt first = new Gpt(NANO, 5L);
    Trainer t1 = trainer(first, 8);
    t1.run(4);
    Path ckpt = dir.resolve("ckpt");
    Checkpoint.save(ckpt, first, Tasks.tokenizer(), t1);
    assertTrue(Files.exists(ckpt.resolve(Checkpoint.OPTIMIZER)));

    Checkpoint.Loaded loaded = Checkpoint.load(ckpt);
    assertEquals(Tasks.tokenizer(), loaded.tokenizer());
    Trainer t2 = trainer(loaded.model(), 8);
    Checkpoint.resume(ckpt, t2);
    assertEquals(4, t2.stepsDone());
    TrainResult resumed = t2.run();
    assertArrayEquals(whole.trainCurve()[1], resumed.trainCurve()[1], "the curve continues exactly");
    assertWeightsIdentical(straight, loaded.model());
  }

  @Test
  void resumeRefusesOtherSettingsAndSavingReplacesTheOldCheckpoint(@TempDir Path dir) throws Exception {
    Gpt model = new Gpt(NANO, 5L);
    Trainer t = trainer(model, 8);
    t.run(2);
    Path ckpt = dir.resolve("ckpt");
    Checkpoint.save(ckpt, model, Tasks.tokenizer(), t);
    t.run(3);
    Checkpoint.save(ckpt, model, Tasks.tokenizer(), t);
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count(), "no temporary or old directory left behind");
    }
    Trainer other = new Trainer(Checkpoint.load(ckpt).model(), config(9), BASE::next, BASE::next);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.resume(ckpt, other));
    assertTrue(e.getMessage().contains("same settings"), e.getMessage());
    assertThrows(java.nio.file.NoSuchFileException.class, () -> Checkpoint.load(dir.resolve("nothing")));
  }

  @Test
  void anyLanguageModelTrainsAndNoEmbeddingIsDecayed() {
    Gpt2 model = new Gpt2(new Gpt2Config(Tasks.tokenizer().vocabSize(), 32, 32, 2, 2, 128, 1e-5f, 0f), 1L);
    Trainer t = new Trainer(model, config(30), BASE::next, null);
    Map<String, Parameter> named = model.namedParameters();
    List<Parameter> decayed = t.optimizer().groups().get(0).params();
    assertEquals(0.1f, t.optimizer().groups().get(0).weightDecay());
    assertTrue(decayed.contains(named.get("transformer.h.0.attn.c_attn.weight")));
    assertTrue(decayed.contains(named.get("transformer.h.1.mlp.c_proj.weight")));
    assertFalse(decayed.contains(named.get("transformer.wte.weight")), "token embedding (and tied head)");
    assertFalse(decayed.contains(named.get("transformer.wpe.weight")), "position embedding");
    assertFalse(decayed.contains(named.get("transformer.h.0.ln_1.weight")));
    assertTrue(Trainer.isEmbeddingName("model.embed_tokens.weight"), "Llama's name");
    assertFalse(Trainer.isEmbeddingName("model.layers.0.self_attn.q_proj.weight"));
    double[] loss = t.run().trainCurve()[1];
    assertTrue(loss[loss.length - 1] < 0.8 * loss[0], "loss " + loss[0] + " -> " + loss[loss.length - 1]);
    assertThrows(IllegalArgumentException.class, () -> new Trainer(model, config(30).toBuilder().contextLength(33).build(),
        BASE::next, null), "longer than the model's context");
  }

  @Test
  void theConfigIsBuiltByNameAndRoundTripsThroughJson() {
    TrainConfig c = TrainConfig.builder().steps(100).batchSize(4).contextLength(16).lr(1e-3f).seed(9L).build();
    assertEquals(1e-3f / 10, c.minLr(), "default: lr / 10");
    assertEquals(10, c.warmup(), "default: 10% of the steps");
    assertEquals(10, c.evalEvery());
    assertEquals(c, TrainConfig.fromJson(c.toJson(), "trainer.json"));
    assertEquals(c, c.toBuilder().build());
    TrainConfig other = c.toBuilder().minLr(0f).build();
    assertEquals(0f, other.minLr());
    assertFalse(c.equals(other));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> c.toBuilder().lr(1e-4f).minLr(1e-3f).build());
    assertTrue(e.getMessage().contains("min lr"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> TrainConfig.builder().steps(10).batchSize(1).contextLength(1).build(),
        "lr has no default");
  }

  static void assertWeightsIdentical(Gpt expected, Gpt actual) {
    Map<String, Tensor> a = expected.stateDict();
    Map<String, Tensor> b = actual.stateDict();
    assertEquals(a.keySet(), b.keySet());
    for (String k : a.keySet()) assertArrayEquals(a.get(k).toArray(), b.get(k).toArray(), k);
  }
}
