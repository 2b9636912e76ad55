package org.jlora.examples.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.data.TaskBatches;
import org.jlora.examples.data.Tasks;
import org.jlora.examples.generate.Generator;
import org.jlora.examples.generate.Sampling;
import org.jlora.lora.LoraModel;
import org.jlora.lora.MergedLinear;
import org.jlora.lora.PeftAdapters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA on the GPT's c_attn (q and v) after a short pretraining: the adapter learns, the base stays
 * bit-identical, the adapter reloads into a fresh base, and merged and unmerged generation agree.
 */
class GptLoraTest {
  static final GptConfig NANO = new GptConfig(Tasks.tokenizer().vocabSize(), 32, 2, 2, 32, 0f);
  static Map<String, Tensor> base;

  @BeforeAll
  static void pretrain() {
    Gpt model = new Gpt(NANO, 11L);
    TaskBatches data = new TaskBatches(Tasks.family("base"), false);
    new Trainer(model, train(30, 1L).build(), data::next, null).run();
    base = copy(model.stateDict());
  }

  /** The tests' runs: batches of 8 rows of 32 tokens at lr 1e-2, the other settings at their defaults. */
  static TrainConfig.Builder train(int steps, long seed) {
    return TrainConfig.builder().steps(steps).batchSize(8).contextLength(32).lr(1e-2f).seed(seed);
  }

  static Gpt freshBase() {
    Gpt g = new Gpt(NANO, 99L);
    g.loadStateDict(base, true);
    return g;
  }

  static Map<String, Tensor> copy(Map<String, Tensor> state) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    state.forEach((k, v) -> out.put(k, v.copy()));
    return out;
  }

  static float[] logits(Gpt model, int[] ids) {
    model.eval();
    try (NoGrad g = NoGrad.enter()) {
      return model.forward(ids, 1, ids.length).value().toArray();
    }
  }

  @Test
  void aShortLoraRunLearnsLeavesTheBaseAndReloads(@TempDir Path dir) throws Exception {
    Gpt model = freshBase();
    LoraModel lm = LoraModel.inject(model, GptLora.queryValue(4, 8f, 0f, 5L));
    assertTrue(model.transformer().block(0).attn().child("c_attn") instanceof MergedLinear);
    long trainable = 0;
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      if (e.getValue().requiresGrad()) {
        assertTrue(e.getKey().contains("lora_"), "only adapters train: " + e.getKey());
        trainable += e.getValue().value().size();
      }
    }
    assertEquals(2 * (2 * 4 * 32 + 2 * 32 * 4), trainable, "per layer: A [2r, C] and B [2C, r] (q and v slices of C rows each)");

    TaskBatches adapt = new TaskBatches(Tasks.family("adapt"), false);
    TrainResult r = new Trainer(model, train(40, 2L).weightDecay(0f).build(), adapt::next, null).run();
    double[] loss = r.trainCurve()[1];
    assertTrue(r.finalTrainLoss() < (loss[0] + loss[1] + loss[2]) / 3 - 0.05, "loss " + loss[0] + " -> " + r.finalTrainLoss());
    assertEquals(4L * (2 * trainable + 4), r.optimizerStateBytes(), "state only for the four adapter tensors");

    Map<String, Tensor> after = model.stateDict();
    for (Map.Entry<String, Tensor> e : base.entrySet()) {
      assertArrayEquals(e.getValue().toArray(), after.get(e.getKey()).toArray(), "base weight changed: " + e.getKey());
    }

    PeftAdapters.save(lm, "default", dir.resolve("adapter"));
    Gpt reloaded = freshBase();
    LoraModel lm2 = LoraModel.inject(reloaded, PeftAdapters.readConfig(dir.resolve("adapter")));
    lm2.deleteAdapter("default");
    PeftAdapters.load(lm2, dir.resolve("adapter"), "default", true);
    int[] ids = Tasks.tokenizer().encode("rot:abcd=");
    float[] expected = logits(model, ids);
    assertArrayEquals(expected, logits(reloaded, ids), "the reloaded adapter gives identical logits");
    assertFalse(java.util.Arrays.equals(expected, logits(freshBase(), ids)), "and the adapter does change them");
  }

  @Test
  void mergedAndUnmergedGenerationGiveTheSameTokens() {
    Gpt model = freshBase();
    LoraModel lm = LoraModel.inject(model, GptLora.queryValue(4, 8f, 0f, 6L));
    TaskBatches adapt = new TaskBatches(Tasks.family("adapt"), false);
    new Trainer(model, train(20, 3L).weightDecay(0f).build(), adapt::next, null).run();
    int[] prompt = Tasks.tokenizer().encode("rot:hello=");
    int nl = Tasks.tokenizer().id('\n');
    int[] unmerged = new Generator(model).generate(prompt, 12, Sampling.GREEDY, new Rng(1), nl).tokens(0);
    Module merged = lm.mergeAndUnload();
    assertFalse(((Gpt) merged).transformer().block(0).attn().child("c_attn") instanceof org.jlora.lora.LoraLayer);
    int[] fromMerged = new Generator((Gpt) merged).generate(prompt, 12, Sampling.GREEDY, new Rng(1), nl).tokens(0);
    assertArrayEquals(unmerged, fromMerged);
  }
}
