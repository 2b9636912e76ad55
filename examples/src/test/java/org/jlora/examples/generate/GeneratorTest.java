package org.jlora.examples.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.autograd.NoGrad;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.model.KvCache;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * KV-cache generation against recomputing the whole prefix, on the small GPT with the golden
 * model's weights (std 0.2: clear argmaxes). Gpt2ParityTest does the same for GPT-2.
 */
class GeneratorTest {
  static Gpt model;

  @BeforeAll
  static void load() throws Exception {
    Map<String, Tensor> golden = SafeTensors.readAll(Path.of(GeneratorTest.class.getResource("/gpt/golden.safetensors").toURI()));
    model = new Gpt(new GptConfig(20, 16, 2, 4, 32, 0f), 1L);
    Map<String, Tensor> weights = new LinkedHashMap<>();
    for (String name : model.namedParameters().keySet()) weights.put(name, golden.get(name));
    model.loadStateDict(weights, true);
  }

  @Test
  void greedyWithCacheEqualsGreedyWithoutIt() {
    int[][] prompts = {{3, 7, 1}, {19, 0, 5}};
    Generation cached = new Generator(model).generate(prompts, 12, Sampling.GREEDY, new Rng(1), -1, true);
    Generation plain = new Generator(model).generate(prompts, 12, Sampling.GREEDY, new Rng(1), -1, false);
    assertEquals(12, cached.tokens(0).length);
    assertArrayEquals(plain.tokens(0), cached.tokens(0));
    assertArrayEquals(plain.tokens(1), cached.tokens(1));
    assertEquals(Generation.Stop.MAX_NEW_TOKENS, cached.stop(0));
    assertTrue(java.util.Arrays.stream(cached.tokens(0)).distinct().count() > 1, "a degenerate continuation proves little");
  }

  @Test
  void theCachedForwardGivesTheLogitsOfTheFullForward() {
    int[] ids = {3, 7, 1, 12, 4, 9};
    try (NoGrad g = NoGrad.enter()) {
      float[] full = model.forward(ids, 1, 6).value().toArray();          // [1, 6, V]
      KvCache cache = model.newCache(1);
      float[] prefill = model.forward(new int[] {3, 7, 1, 12}, 1, 4, cache).value().toArray();
      float[] five = model.forward(new int[] {4}, 1, 1, cache).value().toArray();
      float[] six = model.forward(new int[] {9}, 1, 1, cache).value().toArray();
      assertEquals(6, cache.length());
      int v = model.vocabSize();
      for (int i = 0; i < 4 * v; i++) assertEquals(full[i], prefill[i], 1e-5f, "prefill logit " + i);
      for (int i = 0; i < v; i++) {
        assertEquals(full[4 * v + i], five[i], 1e-5f, "position 4, logit " + i);
        assertEquals(full[5 * v + i], six[i], 1e-5f, "position 5, logit " + i);
      }
    }
  }

  @Test
  void aCachedForwardOutsideNoGradIsRefused() {
    assertThrows(IllegalStateException.class, () -> model.forward(new int[] {1}, 1, 1, model.newCache(1)));
  }

  @Test
  void samplingIsReproducibleForASeedAndCacheIndependent() {
    Sampling s = new Sampling(1.0f, 5);
    int[][] prompt = {{4, 2}};
    int[] a = new Generator(model).generate(prompt, 10, s, new Rng(42), -1, true).tokens(0);
    int[] b = new Generator(model).generate(prompt, 10, s, new Rng(42), -1, true).tokens(0);
    int[] c = new Generator(model).generate(prompt, 10, s, new Rng(42), -1, false).tokens(0);
    assertArrayEquals(a, b);
    assertArrayEquals(a, c);
  }

  @Test
  void stopsAtTheStopTokenAndAtTheContextEndAndSaysWhich() {
    int[] free = new Generator(model).generate(new int[] {3, 7, 1}, 12, Sampling.GREEDY, new Rng(1), -1).tokens(0);
    int stop = free[4];
    Generation stopped = new Generator(model).generate(new int[] {3, 7, 1}, 12, Sampling.GREEDY, new Rng(1), stop);
    int first = 0;
    while (free[first] != stop) first++;
    assertArrayEquals(java.util.Arrays.copyOf(free, first + 1), stopped.tokens(0), "ends with the first stop token");
    assertEquals(Generation.Stop.STOP_TOKEN, stopped.stop(0));
    assertFalse(stopped.hitContext());
    Generation full = new Generator(model).generate(new int[] {3, 7, 1}, 100, Sampling.GREEDY, new Rng(1), -1);
    assertEquals(16 - 3, full.tokens(0).length, "the context length bounds the continuation");
    assertEquals(Generation.Stop.CONTEXT_FULL, full.stop(0));
    assertTrue(full.hitContext(), "reported, so the caller can tell the user");
    Generation exact = new Generator(model).generate(new int[] {3, 7, 1}, 13, Sampling.GREEDY, new Rng(1), -1);
    assertEquals(Generation.Stop.MAX_NEW_TOKENS, exact.stop(0), "13 new tokens fit exactly: not cut");
  }

  @Test
  void topKOneIsGreedy() {
    int[] greedy = new Generator(model).generate(new int[] {9}, 8, Sampling.GREEDY, new Rng(1), -1).tokens(0);
    int[] k1 = new Generator(model).generate(new int[] {9}, 8, new Sampling(2.0f, 1), new Rng(7), -1).tokens(0);
    assertArrayEquals(greedy, k1);
  }

  @Test
  void badArgumentsAreRefused() {
    Generator g = new Generator(model);
    assertThrows(IllegalArgumentException.class, () -> g.generate(new int[][] {{1, 2}, {3}}, 3, Sampling.GREEDY, new Rng(1), -1, true));
    assertThrows(IllegalArgumentException.class, () -> g.generate(new int[] {25}, 3, Sampling.GREEDY, new Rng(1), -1));
    assertThrows(IllegalArgumentException.class, () -> g.generate(new int[17], 3, Sampling.GREEDY, new Rng(1), -1));
    assertThrows(IllegalArgumentException.class, () -> new Sampling(-1f, 0));
    assertThrows(IllegalArgumentException.class, () -> new Sampling(1f, -2));
  }
}
