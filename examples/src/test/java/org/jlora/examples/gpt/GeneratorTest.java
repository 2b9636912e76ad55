package org.jlora.examples.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** KV-cache generation against recomputing the whole prefix, on the golden model's weights (std 0.2: clear argmaxes). */
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
    int[][] cached = new Generator(model).generate(prompts, 12, Sampling.GREEDY, new Rng(1), -1, true);
    int[][] plain = new Generator(model).generate(prompts, 12, Sampling.GREEDY, new Rng(1), -1, false);
    assertEquals(12, cached[0].length);
    assertArrayEquals(plain[0], cached[0]);
    assertArrayEquals(plain[1], cached[1]);
    assertTrue(java.util.Arrays.stream(cached[0]).distinct().count() > 1, "a degenerate continuation proves little");
  }

  @Test
  void samplingIsReproducibleForASeedAndCacheIndependent() {
    Sampling s = new Sampling(1.0f, 5);
    int[][] prompt = {{4, 2}};
    int[] a = new Generator(model).generate(prompt, 10, s, new Rng(42), -1, true)[0];
    int[] b = new Generator(model).generate(prompt, 10, s, new Rng(42), -1, true)[0];
    int[] c = new Generator(model).generate(prompt, 10, s, new Rng(42), -1, false)[0];
    assertArrayEquals(a, b);
    assertArrayEquals(a, c);
  }

  @Test
  void stopsAtTheStopTokenAndAtTheContextEnd() {
    int[] free = new Generator(model).generate(new int[] {3, 7, 1}, 12, Sampling.GREEDY, new Rng(1), -1);
    int stop = free[4];
    int[] stopped = new Generator(model).generate(new int[] {3, 7, 1}, 12, Sampling.GREEDY, new Rng(1), stop);
    int first = 0;
    while (free[first] != stop) first++;
    assertArrayEquals(java.util.Arrays.copyOf(free, first + 1), stopped, "ends with the first stop token");
    int[] full = new Generator(model).generate(new int[] {3, 7, 1}, 100, Sampling.GREEDY, new Rng(1), -1);
    assertEquals(16 - 3, full.length, "the block size bounds the continuation");
  }

  @Test
  void topKOneIsGreedy() {
    int[] greedy = new Generator(model).generate(new int[] {9}, 8, Sampling.GREEDY, new Rng(1), -1);
    int[] k1 = new Generator(model).generate(new int[] {9}, 8, new Sampling(2.0f, 1), new Rng(7), -1);
    assertArrayEquals(greedy, k1);
  }

  @Test
  void badArgumentsAreRefused() {
    Generator g = new Generator(model);
    assertThrows(IllegalArgumentException.class, () -> g.generate(new int[][] {{1, 2}, {3}}, 3, Sampling.GREEDY, new Rng(1), -1, true));
    assertThrows(IllegalArgumentException.class, () -> g.generate(new int[] {25}, 3, Sampling.GREEDY, new Rng(1), -1));
    assertThrows(IllegalArgumentException.class, () -> new Sampling(-1f, 0));
    assertThrows(IllegalArgumentException.class, () -> new Sampling(1f, -2));
  }
}
