package org.jlora.examples.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Rng;
import org.jlora.examples.data.Batch;
import org.jlora.examples.data.Tasks;
import org.jlora.examples.gpt.Checkpoint;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A run interrupted at step s and resumed from a {@link TrainingCheckpoint} in a fresh model ends
 * with the very weights of the run that went straight through: LoRA on a tiny Llama, and full
 * training of the small GPT.
 */
class TrainingCheckpointTest {
  static final LlamaConfig TINY_LLAMA = LlamaConfig.builder().vocabSize(20).hiddenSize(16).intermediateSize(24)
      .numLayers(2).numHeads(4).numKvHeads(2).maxPositions(8).build();
  static final int STEPS = 8;

  /** Random token sequences that continue by +1 mod 20: learnable, and a function of the generator only. */
  static Batch counting(Rng rng, int b, int t) {
    int[] in = new int[b * t];
    int[] out = new int[b * t];
    for (int r = 0; r < b; r++) {
      int start = rng.nextInt(20);
      for (int i = 0; i < t; i++) {
        in[r * t + i] = (start + i) % 20;
        out[r * t + i] = (start + i + 1) % 20;
      }
    }
    return new Batch(in, out, b, t);
  }

  static LanguageModel loraLlama(int rank, String... targets) {
    Llama m = new Llama(TINY_LLAMA, 11L);
    LoraModel.inject(m, LoraConfig.builder().r(rank).loraAlpha(2f * rank).targetModules(targets).seed(5L).build());
    return m;
  }

  static TrainConfig config(int steps) {
    return TrainConfig.builder().steps(steps).batchSize(4).contextLength(8).lr(1e-2f).seed(3L).eval(3, 1).build();
  }

  static Trainer trainer(LanguageModel m, TrainConfig cfg) {
    return new Trainer(m, cfg, TrainingCheckpointTest::counting, TrainingCheckpointTest::counting);
  }

  @Test
  void loraOnALlamaResumesBitIdentically(@TempDir Path dir) throws Exception {
    assertResumesBitIdentically(() -> loraLlama(4, "q_proj", "v_proj"), 3, dir.resolve("ckpt"));
  }

  @Test
  void fullTrainingOfTheSmallGptResumesBitIdentically(@TempDir Path dir) throws Exception {
    assertResumesBitIdentically(() -> new Gpt(TrainerSafetyTest.NANO, 5L), 5, dir.resolve("ckpt"));
  }

  private static void assertResumesBitIdentically(Supplier<LanguageModel> fresh, int stopAt, Path ckpt) throws Exception {
    LanguageModel straight = fresh.get();
    TrainResult whole = trainer(straight, config(STEPS)).run();

    LanguageModel first = fresh.get();
    Trainer t1 = trainer(first, config(STEPS));
    t1.run(stopAt);
    TrainingCheckpoint.save(ckpt, first, t1);
    try (var files = Files.list(ckpt)) {
      assertEquals(TrainingCheckpoint.FILES, Set.copyOf(files.map(p -> p.getFileName().toString()).toList()));
    }

    LanguageModel resumedModel = fresh.get();
    Trainer t2 = trainer(resumedModel, config(STEPS));
    assertTrue(TrainingCheckpoint.exists(ckpt));
    TrainingCheckpoint.resume(ckpt, resumedModel, t2);
    assertEquals(stopAt, t2.stepsDone());
    TrainResult resumed = t2.run();
    assertArrayEquals(whole.trainCurve()[1], resumed.trainCurve()[1], "the loss curve continues exactly");
    assertArrayEquals(whole.valCurve()[1], resumed.valCurve()[1]);
    Map<String, Parameter> expected = trainer(straight, config(STEPS)).trainableParameters();
    Map<String, Parameter> actual = t2.trainableParameters();
    assertEquals(expected.keySet(), actual.keySet());
    for (String name : expected.keySet()) {
      assertArrayEquals(expected.get(name).value().toArray(), actual.get(name).value().toArray(), name);
    }
  }

  @Test
  void resumingRefusesAnotherRunWithAMessageThatSaysWhatDiffers(@TempDir Path dir) throws Exception {
    Path ckpt = dir.resolve("ckpt");
    LanguageModel m = loraLlama(4, "q_proj", "v_proj");
    Trainer t = trainer(m, config(STEPS));
    t.run(2);
    ObjectNode run = JsonNodeFactory.instance.objectNode().put("base", "tiny-llama");
    TrainingCheckpoint.save(ckpt, m, t, run);

    LanguageModel other = loraLlama(4, "q_proj", "v_proj");
    IllegalArgumentException steps = assertThrows(IllegalArgumentException.class,
        () -> TrainingCheckpoint.resume(ckpt, other, trainer(other, config(9)), run));
    assertTrue(steps.getMessage().contains("steps 8 (now 9)") && steps.getMessage().contains("same settings"),
        steps.getMessage());
    IllegalArgumentException base = assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.resume(ckpt,
        other, trainer(other, config(STEPS)), JsonNodeFactory.instance.objectNode().put("base", "other")));
    assertTrue(base.getMessage().contains("base \"tiny-llama\" (now \"other\")"), base.getMessage());

    LanguageModel otherBase = loraLlama(4, "q_proj", "v_proj");
    otherBase.namedParameters().get("model.norm.weight").value().set(0, 1.5f);
    IllegalArgumentException frozen = assertThrows(IllegalArgumentException.class,
        () -> TrainingCheckpoint.resume(ckpt, otherBase, trainer(otherBase, config(STEPS)), run));
    assertTrue(frozen.getMessage().contains("the frozen (base) weights differ"), frozen.getMessage());

    LanguageModel rank2 = loraLlama(2, "q_proj", "v_proj");
    IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
        () -> TrainingCheckpoint.resume(ckpt, rank2, trainer(rank2, config(STEPS)), run));
    assertTrue(shape.getMessage().contains("is [4, 16] in the checkpoint but [2, 16] in this run"), shape.getMessage());

    LanguageModel qOnly = loraLlama(4, "q_proj");
    Trainer qTrainer = trainer(qOnly, config(STEPS));
    IllegalArgumentException names = assertThrows(IllegalArgumentException.class,
        () -> TrainingCheckpoint.resume(ckpt, qOnly, qTrainer, run));
    assertTrue(names.getMessage().contains("not in this run model.layers.0.self_attn.v_proj.lora_A"), names.getMessage());
    assertEquals(0, qTrainer.stepsDone(), "a refused resume changes nothing");

    Files.writeString(ckpt.resolve(TrainerState.FILE), "{\"step\": 2, \"train_config\": {\"ste");
    IllegalArgumentException damaged = assertThrows(IllegalArgumentException.class,
        () -> TrainingCheckpoint.resume(ckpt, other, trainer(other, config(STEPS)), run));
    assertTrue(damaged.getMessage().contains("trainer.json is damaged"), damaged.getMessage());
    NoSuchFileException none = assertThrows(NoSuchFileException.class,
        () -> TrainingCheckpoint.resume(dir.resolve("nothing"), other, trainer(other, config(STEPS))));
    assertTrue(none.getMessage().contains("no training checkpoint here"), none.getMessage());
  }

  @Test
  void savingNeverReplacesWhatIsNotACheckpoint(@TempDir Path dir) throws Exception {
    LanguageModel m = loraLlama(2, "q_proj");
    Trainer t = trainer(m, config(STEPS));
    t.run(1);
    Path users = Files.createDirectories(dir.resolve("results"));
    Files.writeString(users.resolve("notes.txt"), "mine");
    IllegalArgumentException foreign = assertThrows(IllegalArgumentException.class,
        () -> TrainingCheckpoint.save(users, m, t));
    assertTrue(foreign.getMessage().contains("notes.txt") && foreign.getMessage().contains("choose an empty or new"),
        foreign.getMessage());
    assertEquals("mine", Files.readString(users.resolve("notes.txt")));
    Path file = Files.writeString(dir.resolve("run.txt"), "mine too");
    assertThrows(IllegalArgumentException.class, () -> TrainingCheckpoint.save(file, m, t));
    assertEquals("mine too", Files.readString(file));

    // a temporary left by a killed save is removed by the next save
    Path stale = Files.createDirectories(dir.resolve(".ckpt.0123abcd.jlora-tmp"));
    Files.writeString(stale.resolve(TrainingCheckpoint.TRAINABLE), "half");
    TrainingCheckpoint.save(dir.resolve("ckpt"), m, t);
    assertFalse(Files.exists(stale));
    TrainingCheckpoint.save(dir.resolve("ckpt"), m, t);   // its own directory is replaced
    try (var files = Files.list(dir)) {
      assertEquals(List.of("ckpt", "results", "run.txt"), files.map(p -> p.getFileName().toString()).sorted().toList());
    }
  }

  @Test
  void aCheckpointSetAsideByASaveKilledBetweenItsRenamesIsFoundAgain(@TempDir Path dir) throws Exception {
    Path ckpt = dir.resolve("ckpt");
    LanguageModel m = loraLlama(2, "q_proj");
    Trainer t = trainer(m, config(STEPS));
    t.run(2);
    TrainingCheckpoint.save(ckpt, m, t);
    Files.move(ckpt, dir.resolve(".ckpt.5eed.jlora-old"));   // what a kill between the renames leaves
    Files.createDirectories(dir.resolve(".ckpt.f00d.jlora-tmp"));
    LanguageModel again = loraLlama(2, "q_proj");
    Trainer resumed = trainer(again, config(STEPS));
    TrainingCheckpoint.resume(ckpt, again, resumed);
    assertEquals(2, resumed.stepsDone());

    Path base = dir.resolve("base");
    Checkpoint.save(base, new Gpt(TrainerSafetyTest.NANO, 1L), Tasks.tokenizer(), null);
    Files.move(base, dir.resolve(".base.5eed.jlora-old"));
    Checkpoint.load(base);
  }

  @Test
  void theSmallGptsCheckpointCleansTemporariesOfEarlierVersionsButNotAUsersDirectory(@TempDir Path dir) throws Exception {
    Gpt gpt = new Gpt(TrainerSafetyTest.NANO, 1L);
    Path legacy = Files.createDirectories(dir.resolve("base.tmp-123456"));
    Files.writeString(legacy.resolve(Checkpoint.CONFIG), "{}");
    Path lookalike = Files.createDirectories(dir.resolve("base.tmp-654321"));
    Files.writeString(lookalike.resolve("thesis.tex"), "mine");
    Checkpoint.save(dir.resolve("base"), gpt, Tasks.tokenizer(), null);
    assertFalse(Files.exists(legacy), "an old killed save's temporary");
    assertEquals("mine", Files.readString(lookalike.resolve("thesis.tex")));
  }
}
