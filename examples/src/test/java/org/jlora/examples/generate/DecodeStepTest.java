package org.jlora.examples.generate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.gpt2.Gpt2Config;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.examples.train.StepReplay;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraLayer;
import org.jlora.lora.LoraModel;
import org.junit.jupiter.api.Test;

/**
 * The recorded decode step against the plain cached forward, on the CPU: the toy GPT, a GPT-2
 * and a Llama with grouped-query attention (tiny, random weights of std 0.3 so the argmaxes are
 * clear), each bare, with LoRA unmerged and with LoRA merged. The replay runs the very kernels
 * of the plain path on the same buffers, so the logits must be equal bit for bit at every
 * position, and generation (greedy and seeded sampling) token for token.
 */
class DecodeStepTest {
  static final int V = 40;

  static LanguageModel gpt() {
    return sharpened(new Gpt(new GptConfig(V, 24, 2, 2, 16, 0f), 1L));
  }

  static LanguageModel gpt2() {
    return sharpened(new Gpt2(new Gpt2Config(V, 24, 16, 2, 4, 32, 1e-5f, 0f), 2L));
  }

  static LanguageModel llama() {
    return sharpened(new Llama(LlamaConfig.builder().vocabSize(V).hiddenSize(16).intermediateSize(24).numLayers(2)
        .numHeads(4).numKvHeads(2).maxPositions(24).build(), 3L));
  }

  /**
   * Matrices N(0, 0.3), vectors (norm gains, biases) as they are: logits with clear maxima. The
   * token table gets 0.05: with a tied head, a table as large as the blocks' output makes greedy
   * decoding repeat the last token forever.
   */
  static LanguageModel sharpened(LanguageModel m) {
    Rng rng = new Rng(17);
    for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
      Parameter p = e.getValue();
      float std = e.getKey().endsWith("wte.weight") || e.getKey().endsWith("embed_tokens.weight") ? 0.05f : 0.3f;
      if (p.value().rank() >= 2) p.value().copyFrom(Tensor.randn(rng, 0f, std, p.shape()));
    }
    return m;
  }

  /** LoRA on every linear layer, B randomised so the adapter changes the logits. */
  static LanguageModel lora(LanguageModel m, boolean merged) {
    LoraModel lm = LoraModel.inject(m, LoraConfig.builder().r(4).loraAlpha(8).targetRegex(LoraModel.ALL_LINEAR).seed(5L).build());
    Rng rng = new Rng(11);
    for (Map.Entry<String, Parameter> e : m.namedParameters().entrySet()) {
      if (e.getKey().contains("lora_B")) e.getValue().value().copyFrom(Tensor.randn(rng, 0f, 0.3f, e.getValue().shape()));
    }
    if (merged) lm.loraLayers().values().forEach(LoraLayer::merge);
    return m;
  }

  static List<Supplier<LanguageModel>> variants(Supplier<LanguageModel> base) {
    return List.of(base, () -> lora(base.get(), false), () -> lora(base.get(), true));
  }

  static final List<String> NAMES = List.of("gpt", "gpt2", "llama");
  static final List<Supplier<LanguageModel>> MODELS = List.of(DecodeStepTest::gpt, DecodeStepTest::gpt2, DecodeStepTest::llama);

  @Test
  void replayedStepsGiveThePlainCachedLogitsBitForBit() {
    int[] prompt = {3, 7, 1, 12, 5, 9};   // two rows of three
    int[][] feed = {{4, 30}, {9, 2}, {17, 17}, {0, 39}, {25, 6}, {11, 13}, {8, 21}, {33, 1}};
    for (int i = 0; i < MODELS.size(); i++) {
      List<Supplier<LanguageModel>> vs = variants(MODELS.get(i));
      for (int j = 0; j < vs.size(); j++) {
        String what = NAMES.get(i) + " " + List.of("bare", "lora unmerged", "lora merged").get(j);
        LanguageModel m = vs.get(j).get();
        m.eval();
        try (NoGrad g = NoGrad.enter()) {
          KvCache plain = m.newCache(2, 12), replayed = m.newCache(2, 12);
          m.forward(prompt, 2, 3, plain);
          m.forward(prompt, 2, 3, replayed);
          float[] want = m.forward(feed[0], 2, 1, plain).value().toArray();
          try (DecodeStep step = DecodeStep.capture(m, replayed, feed[0])) {
            assertArrayEquals(want, step.capturedLogits(), what + ": the recorded step");
            int calls = step.calls();
            for (int p = 1; p < feed.length; p++) {
              want = m.forward(feed[p], 2, 1, plain).value().toArray();
              assertArrayEquals(want, step.run(feed[p]), what + ": position " + (3 + p));
              assertEquals(plain.length(), replayed.length(), what);
            }
            assertEquals(calls, step.calls(), what + ": one recording for every position");
          }
          // the cache itself, brought to the host when the step closes, holds the same keys and values
          for (int l = 0; l < plain.layers; l++) {
            assertArrayEquals(plain.keys(l).toArray(), replayed.keys(l).toArray(), what + ": keys of layer " + l);
            assertArrayEquals(plain.values(l).toArray(), replayed.values(l).toArray(), what + ": values of layer " + l);
          }
        }
      }
    }
  }

  /** Fills a replay skips write NaN instead: a kernel reading a skipped buffer would spoil the logits. */
  @Test
  void poisoningTheSkippedFillsChangesNothing() {
    System.setProperty("jlora.replay.poisonSkippedFills", "true");
    try {
      replayedStepsGiveThePlainCachedLogitsBitForBit();
    } finally {
      System.clearProperty("jlora.replay.poisonSkippedFills");
    }
  }

  @Test
  void generationWithTheReplayedStepMatchesTokenForToken() {
    int[][] prompts = {{3, 7, 1}, {19, 0, 5}};
    for (int i = 0; i < MODELS.size(); i++) {
      for (Supplier<LanguageModel> variant : variants(MODELS.get(i))) {
        LanguageModel m = variant.get();
        for (Sampling s : new Sampling[] {Sampling.GREEDY, new Sampling(1.0f, 5)}) {
          String what = NAMES.get(i) + " " + s;
          Generator off = new Generator(m).decodeReplay(StepReplay.OFF);
          List<String> messages = new ArrayList<>();
          Generator on = new Generator(m).decodeReplay(StepReplay.ON).onMessage(messages::add);
          Generation a = off.generate(prompts, 10, s, new Rng(42), -1, true);
          Generation b = on.generate(prompts, 10, s, new Rng(42), -1, true);
          assertFalse(off.replayedDecode(), what);
          assertTrue(on.replayedDecode(), what + ": " + messages);
          assertTrue(messages.getFirst().contains("decode step: replaying"), messages.toString());
          for (int r = 0; r < 2; r++) {
            assertEquals(10, b.tokens(r).length, what);
            assertArrayEquals(a.tokens(r), b.tokens(r), what + ", row " + r);
          }
          // random tiny models fall into loops under greedy decoding; one token repeated proves little
          long distinct = java.util.stream.IntStream.concat(java.util.Arrays.stream(b.tokens(0)),
              java.util.Arrays.stream(b.tokens(1))).distinct().count();
          assertTrue(distinct > 1, what + ": a degenerate continuation");
        }
      }
    }
  }

  @Test
  void aGenerationWithNothingToReplayRecordsNothing() {
    LanguageModel m = llama();
    int[][] prompts = {{3, 7, 1}};
    Generator on = new Generator(m).decodeReplay(StepReplay.ON);
    // two new tokens: the prompt's forward gives the first, one cached forward the second
    Generation two = on.generate(prompts, 2, Sampling.GREEDY, new Rng(1), -1, true);
    assertFalse(on.replayedDecode(), "a recording that would never be replayed");
    Generation plain = new Generator(m).decodeReplay(StepReplay.OFF).generate(prompts, 2, Sampling.GREEDY, new Rng(1), -1, true);
    assertArrayEquals(plain.tokens(0), two.tokens(0));
    on.generate(prompts, 3, Sampling.GREEDY, new Rng(1), -1, true);
    assertTrue(on.replayedDecode(), "three new tokens: the third from the replayed step");
  }

  @Test
  void autoReplaysOnlyWhereADeviceCompilesTheStep() {
    Generator auto = new Generator(gpt());
    auto.generate(new int[][] {{1, 2}}, 4, Sampling.GREEDY, new Rng(1), -1, true);
    assertFalse(auto.replayedDecode(), "the CPU backends register no step compiler: AUTO generates the plain way");
  }

  @Test
  void misuseIsRefusedSayingWhatIsWrong() {
    LanguageModel m = gpt();
    m.eval();
    KvCache cache = m.newCache(1, 5);
    var grad = assertThrows(IllegalStateException.class, () -> DecodeStep.capture(m, cache, new int[] {1}));
    assertTrue(grad.getMessage().contains("NoGrad"), grad.getMessage());
    try (NoGrad g = NoGrad.enter()) {
      m.forward(new int[] {1, 2, 3}, 1, 3, cache);
      var rows = assertThrows(IllegalArgumentException.class, () -> DecodeStep.capture(m, cache, new int[] {1, 2}));
      assertTrue(rows.getMessage().contains("2 token ids for a batch of 1"), rows.getMessage());
      try (DecodeStep step = DecodeStep.capture(m, cache, new int[] {4})) {
        var id = assertThrows(IllegalArgumentException.class, () -> step.run(new int[] {V}));
        assertTrue(id.getMessage().contains("outside the vocabulary"), id.getMessage());
        step.run(new int[] {5});
        assertEquals(5, cache.length());
        var full = assertThrows(IllegalStateException.class, () -> step.run(new int[] {6}));
        assertTrue(full.getMessage().contains("past the cache's 5 positions"), full.getMessage());
      }
    }
  }

  /** A model whose forward looks at a value on the host in the middle: a forward a recording refuses. */
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

    @Override
    public Variable forward(int[] ids, int b, int t, KvCache cache) {
      Variable out = inner.forward(ids, b, t, cache);
      if (out.value().get(0) > 1e6f) throw new IllegalStateException("diverged");   // a decision on the host
      return out;
    }
  }

  @Test
  void aForwardThatCannotBeRecordedLeavesTheCacheWhereItWas() {
    LanguageModel m = new HostPeeking(new Gpt(new GptConfig(V, 24, 2, 2, 16, 0f), 1L));
    try (NoGrad g = NoGrad.enter()) {
      KvCache cache = m.newCache(1, 8);
      m.forward(new int[] {1, 2}, 1, 2, cache);
      var e = assertThrows(IllegalStateException.class, () -> DecodeStep.capture(m, cache, new int[] {3}));
      assertTrue(e.getMessage().startsWith("the decode step cannot be recorded: step capture: Tensor.get()"),
          e.getMessage());
      assertEquals(2, cache.length());
    }
  }

  /**
   * A model left in training mode keeps its dropout in a decode step: each run draws the masks
   * again from the model's generators, so the replayed logits are the ordinary forward's bit for
   * bit (a step reusing the recorded token's masks would not be).
   */
  @Test
  void dropoutInTrainingModeIsDrawnAgainEveryToken() {
    LanguageModel plain = new Gpt(new GptConfig(V, 24, 2, 2, 16, 0.3f), 1L);
    LanguageModel replayed = new Gpt(new GptConfig(V, 24, 2, 2, 16, 0.3f), 1L);
    plain.train();
    replayed.train();
    int[] tokens = {3, 7, 11, 5};
    try (NoGrad g = NoGrad.enter()) {
      KvCache plainCache = plain.newCache(1, 8);
      KvCache replayCache = replayed.newCache(1, 8);
      plain.forward(new int[] {1, 2}, 1, 2, plainCache);
      replayed.forward(new int[] {1, 2}, 1, 2, replayCache);
      try (DecodeStep step = DecodeStep.capture(replayed, replayCache, new int[] {tokens[0]})) {
        float[] first = plain.forward(new int[] {tokens[0]}, 1, 1, plainCache).value().toArray();
        assertArrayEquals(first, step.capturedLogits(), "the recorded token");
        for (int i = 1; i < tokens.length; i++) {
          float[] expected = plain.forward(new int[] {tokens[i]}, 1, 1, plainCache).value().toArray();
          assertArrayEquals(expected, step.run(new int[] {tokens[i]}), "token " + i);
        }
      }
    }
  }
}
