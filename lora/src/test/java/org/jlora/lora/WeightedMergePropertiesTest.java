package org.jlora.lora;

import static org.jlora.lora.AdapterOpsTest.golden;
import static org.jlora.lora.AdapterOpsTest.run;
import static org.jlora.lora.AdapterOpsTest.twoAdapters;
import static org.jlora.lora.LoraTesting.assertBitIdentical;
import static org.jlora.lora.LoraTesting.assertClose;
import static org.jlora.lora.LoraTesting.maxRelDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.util.List;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/** What must hold for any adapters, including DARE's random combinations that PEFT cannot be compared with. */
class WeightedMergePropertiesTest {
  private static Tensor weightedOutputs(WeightedMerge how, List<String> adapters, List<Float> weights) throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    LoraModel lm = twoAdapters(m);
    lm.addWeightedAdapter(adapters, weights, "w", how);
    lm.setAdapter("w");
    return run(m, g);
  }

  @Test
  void linearOfOneAdapterWithWeightOneIsThatAdapter() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    Tensor alone = run(m, g);
    twoAdapters(m);
    Tensor a = run(m, g);
    assertTrue(maxRelDiff(a, alone) > 1e-2, "the adapter matters");
    assertClose(a, weightedOutputs(WeightedMerge.of(WeightedMerge.Combination.LINEAR), List.of("a"), List.of(1f)), 1e-6,
        "linear([a], [1]) = a");
  }

  @Test
  void catOfTwoAdaptersWithWeightsOneEqualsRunningBoth() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    LoraModel lm = twoAdapters(m);
    lm.setAdapter(List.of("a", "b"));
    assertClose(run(m, g), weightedOutputs(WeightedMerge.of(WeightedMerge.Combination.CAT), List.of("a", "b"),
        List.of(1f, 1f)), 1e-6, "cat([a, b], [1, 1]) = a and b together");
  }

  /** The same two properties on embeddings (A [r, vocab], B [dim, r]) and a fused Linear, TinyModel's emb and fc1. */
  @Test
  void catAndLinearHoldForEmbeddingsToo() {
    TinyModel m = new TinyModel(4);
    LoraConfig.Builder cfg = LoraConfig.builder().r(2).loraAlpha(4).targetModules("emb", "fc1")
        .initLoraWeights(InitLoraWeights.RANDOM);
    LoraModel lm = LoraModel.inject(m, cfg.seed(1).build(), "a");
    lm.addAdapter("b", cfg.seed(2).loraAlpha(8).build());
    Tensor a = m.outputs();
    lm.setAdapter(List.of("a", "b"));
    Tensor both = m.outputs();
    lm.addWeightedAdapter(List.of("a", "b"), List.of(1f, 1f), "cat", WeightedMerge.of(WeightedMerge.Combination.CAT));
    lm.addWeightedAdapter(List.of("a"), List.of(1f), "one", WeightedMerge.of(WeightedMerge.Combination.LINEAR));
    lm.setAdapter("cat");
    assertClose(both, m.outputs(), 1e-6, "cat = both");
    lm.setAdapter("one");
    assertClose(a, m.outputs(), 1e-6, "linear of one = itself");
  }

  @Test
  void dareIsReproducibleForASeedAndDropsAboutOneMinusDensity() throws IOException {
    WeightedMerge dare = WeightedMerge.of(WeightedMerge.Combination.DARE_LINEAR).density(0.5).seed(11);
    List<String> ab = List.of("a", "b");
    List<Float> w = List.of(0.7f, 0.5f);
    assertBitIdentical(weightedOutputs(dare, ab, w), weightedOutputs(dare, ab, w), "same seed, same adapter");
    assertTrue(maxRelDiff(weightedOutputs(dare.seed(12), ab, w), weightedOutputs(dare, ab, w)) > 1e-4, "another seed");
    float[] t = new float[10_000];
    java.util.Arrays.fill(t, 2f);
    float[] kept = TaskArithmetic.randomPrune(t, 0.3, new Rng(1));
    int n = 0;
    for (float v : kept) {
      if (v != 0) {
        n++;
        assertEquals(2f / 0.3f, v, 1e-5, "kept values are rescaled by 1/density");
      }
    }
    assertEquals(3000, n, 230, "about density·n kept (5 standard deviations: sqrt(n·p·(1-p)) = 46)");
  }

  @Test
  void tiesKeepsOnlyTheMajoritySign() {
    float[] a = {3, -1, 2, 0};
    float[] b = {-1, -2, 2, 5};
    float[] out = TaskArithmetic.disjointMerge(List.of(a, b), new float[] {1, 1}, WeightedMerge.MajoritySign.TOTAL);
    // element 0: total 2 > 0 -> only 3 counts; 1: both negative -> mean; 2: both -> mean; 3: only b
    assertEquals(List.of(3f, -1.5f, 2f, 5f), List.of(out[0], out[1], out[2], out[3]));
    assertEquals(List.of(3f, 0f), List.of(TaskArithmetic.magnitudePrune(new float[] {3, -1}, 0.5)[0],
        TaskArithmetic.magnitudePrune(new float[] {3, -1}, 0.5)[1]));
  }

  @Test
  void badRequestsAreRefusedByName() throws IOException {
    LoraModel lm = twoAdapters(TinyStack.golden());
    assertThrows(IllegalArgumentException.class, () -> lm.addWeightedAdapter(List.of("a"), List.of(1f), "b",
        WeightedMerge.of(WeightedMerge.Combination.LINEAR)), "an existing name");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lm.addWeightedAdapter(
        List.of("a", "b"), List.of(1f), "w", WeightedMerge.of(WeightedMerge.Combination.LINEAR)));
    assertTrue(e.getMessage().contains("2 adapters but 1 weights"), e.getMessage());
  }
}
