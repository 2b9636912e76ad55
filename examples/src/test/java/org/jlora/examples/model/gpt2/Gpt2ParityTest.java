package org.jlora.examples.model.gpt2;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.jlora.autograd.NoGrad;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.generate.Generation;
import org.jlora.examples.generate.Generator;
import org.jlora.examples.generate.Sampling;
import org.jlora.examples.model.KvCache;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GPT-2 against Hugging Face transformers: a tiny random GPT2LMHeadModel (2 layers, 32 dims, 4
 * heads, vocab 100, 32 positions) saved with save_pretrained, and its logits for ids [2, 7], both
 * from examples/src/test/python/make_gpt2_goldens.py.
 *
 * <p>Bound: max |java - torch| <= 1e-4 · max |torch| over all logits. Both sides compute in
 * float32 with different summation orders (and tanh approximations), so the bound is relative to
 * the logits' scale, not per element.
 */
class Gpt2ParityTest {
  static final double TOL = 1e-4;
  static Path dir;
  static Map<String, Tensor> golden;
  static Gpt2 model;

  @BeforeAll
  static void load() throws Exception {
    dir = Path.of(Gpt2ParityTest.class.getResource("/gpt2/tiny/config.json").toURI()).getParent();
    golden = SafeTensors.readAll(dir.resolveSibling("logits.safetensors"));
    model = Gpt2.load(dir);
  }

  static int[] inputIds() {
    float[] f = golden.get("input_ids").toArray();
    int[] ids = new int[f.length];
    for (int i = 0; i < f.length; i++) ids[i] = Math.round(f[i]);
    return ids;
  }

  /** max |java - torch| / max |torch| over the golden logits. */
  static double relativeError(Gpt2 m) {
    float[] expected = golden.get("logits").toArray();
    float[] actual;
    try (NoGrad g = NoGrad.enter()) {
      actual = m.forward(inputIds(), 2, 7).value().toArray();
    }
    assertEquals(expected.length, actual.length, "logits [2, 7, 100]");
    double maxRef = 0;
    double maxDiff = 0;
    for (int i = 0; i < expected.length; i++) {
      maxRef = Math.max(maxRef, Math.abs(expected[i]));
      maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
    }
    return maxDiff / maxRef;
  }

  @Test
  void theConfigIsRead() {
    assertEquals(new Gpt2Config(100, 32, 32, 2, 4, 128, 1e-5f, 0f), model.config());
    assertEquals(32, model.contextLength());
    assertEquals("gpt2", model.architecture());
  }

  @Test
  void theStateDictHasExactlyTheKeysOfTheHuggingFaceFile() throws Exception {
    Map<String, Tensor> file = SafeTensors.readAll(dir.resolve("model.safetensors"));
    assertEquals(new TreeSet<>(file.keySet()), new TreeSet<>(model.stateDict().keySet()),
        "no lm_head.weight: the head is tied to transformer.wte");
    assertArrayEquals(new int[] {32, 96}, model.stateDict().get("transformer.h.0.attn.c_attn.weight").shape(),
        "Conv1D stores [in, out]");
  }

  @Test
  void logitsMatchTransformers() {
    double err = relativeError(model);
    assertTrue(err <= TOL, "max |diff| / max |logit| = " + err + " exceeds " + TOL);
  }

  @Test
  void oldFilesWithoutTheTransformerPrefixAndWithBuffersLoadToo() throws Exception {
    Map<String, Tensor> old = new LinkedHashMap<>();
    SafeTensors.readAll(dir.resolve("model.safetensors")).forEach((k, v) -> old.put(k.substring("transformer.".length()), v));
    old.put("h.0.attn.bias", Tensor.ones(1, 1, 32, 32));       // the causal-mask buffer of old checkpoints
    old.put("lm_head.weight", old.get("wte.weight"));          // tied: dropped
    Gpt2 m = new Gpt2(model.config(), 9L);
    m.loadHfStateDict(old);
    assertTrue(relativeError(m) <= TOL);
  }

  @Test
  void saveWritesADirectoryThatLoadsBackToTheSameModel(@TempDir Path tmp) throws Exception {
    model.save(tmp.resolve("copy"));
    Gpt2 copy = Gpt2.load(tmp.resolve("copy"));
    assertEquals(model.config(), copy.config());
    assertEquals(new TreeSet<>(SafeTensors.readAll(dir.resolve("model.safetensors")).keySet()),
        new TreeSet<>(SafeTensors.readAll(tmp.resolve("copy/model.safetensors")).keySet()));
    assertTrue(relativeError(copy) <= TOL);
  }

  @Test
  void aDirectoryWithoutWeightsIsNamedInTheError(@TempDir Path tmp) throws Exception {
    java.nio.file.Files.copy(dir.resolve("config.json"), tmp.resolve("config.json"));
    java.nio.file.NoSuchFileException e = assertThrows(java.nio.file.NoSuchFileException.class, () -> Gpt2.load(tmp));
    assertTrue(e.getMessage().contains("model.safetensors"), e.getMessage());
  }

  @Test
  void cachedGenerationEqualsUncached() {
    int[][] prompts = {{15, 92, 21}, {79, 88, 61}};
    Generation cached = new Generator(model).generate(prompts, 20, Sampling.GREEDY, new Rng(1), -1, true);
    Generation plain = new Generator(model).generate(prompts, 20, Sampling.GREEDY, new Rng(1), -1, false);
    assertArrayEquals(plain.tokens(0), cached.tokens(0));
    assertArrayEquals(plain.tokens(1), cached.tokens(1));
    assertTrue(java.util.Arrays.stream(cached.tokens(0)).distinct().count() > 2, "a degenerate continuation proves little");
    Sampling s = new Sampling(1.0f, 10);
    assertArrayEquals(new Generator(model).generate(prompts, 20, s, new Rng(5), -1, false).tokens(1),
        new Generator(model).generate(prompts, 20, s, new Rng(5), -1, true).tokens(1));
  }

  @Test
  void theCachedForwardGivesTheLogitsOfTheFullForward() {
    int[] ids = inputIds();   // [2, 7]
    try (NoGrad g = NoGrad.enter()) {
      float[] full = model.forward(ids, 2, 7).value().toArray();
      KvCache cache = model.newCache(2);
      int[] first = new int[10];
      for (int r = 0; r < 2; r++) System.arraycopy(ids, r * 7, first, r * 5, 5);
      float[] prefill = model.forward(first, 2, 5, cache).value().toArray();            // [2, 5, V]
      float[] sixth = model.forward(new int[] {ids[5], ids[12]}, 2, 1, cache).value().toArray();
      int v = model.vocabSize();
      for (int r = 0; r < 2; r++) {
        for (int i = 0; i < 5 * v; i++) assertEquals(full[r * 7 * v + i], prefill[r * 5 * v + i], 1e-5f);
        for (int i = 0; i < v; i++) assertEquals(full[(r * 7 + 5) * v + i], sixth[r * v + i], 1e-5f);
      }
      assertEquals(6, cache.length());
    }
  }
}
