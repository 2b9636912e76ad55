package org.jlora.lora;

import static org.jlora.lora.LoraTesting.assertBitIdentical;
import static org.jlora.lora.LoraTesting.maxRelDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.GELU;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.nn.Sequential;
import org.jlora.autograd.optim.AdamW;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The root README's LoRA example runs, and the snippet is this test's code, line for line. */
class ReadmeSnippetTest {
  private static final Path README = Path.of("../README.md");
  private static final String MARKER = "<!-- snippet: lora -->";
  private static final String VARIANTS_MARKER = "<!-- snippet: lora-variants -->";
  private static final Path SELF = Path.of("src/test/java/org/jlora/lora/ReadmeSnippetTest.java");

  @TempDir
  Path dir;

  @Test
  void theSnippetRuns() throws IOException {
    // snippet:start
    Module model = new Sequential(new Linear(16, 32, true, new Rng(1)), new GELU(), new Linear(32, 4, true, new Rng(2)));
    LoraConfig cfg = LoraConfig.builder().r(4).loraAlpha(8).targetModules("0", "2").build();
    LoraModel lm = LoraModel.inject(model, cfg);                  // only A and B are trainable now
    AdamW opt = new AdamW(model.parameters().stream().filter(Parameter::requiresGrad).toList(), 1e-2f, 0f);
    Variable x = Variable.of(Tensor.randn(new Rng(3), 8, 16), false);
    F.mean(F.mul(model.forward(x), model.forward(x))).backward();  // any loss
    opt.step();
    PeftAdapters.save(lm, "default", dir);                         // PEFT's files and key names
    Module fresh = new Sequential(new Linear(16, 32, true, new Rng(1)), new GELU(), new Linear(32, 4, true, new Rng(2)));
    LoraModel loaded = PeftAdapters.fromPretrained(fresh, dir);    // same outputs as lm
    // snippet:end

    assertEquals(List.of("0", "2"), List.copyOf(loaded.loraLayers().keySet()));
    Tensor trained = model.forward(x).value();
    Tensor base = new Sequential(new Linear(16, 32, true, new Rng(1)), new GELU(), new Linear(32, 4, true, new Rng(2)))
        .forward(x).value();
    assertTrue(maxRelDiff(trained, base) > 1e-4, "one step moved B away from zero");
    assertBitIdentical(trained, fresh.forward(x).value(), "loaded model");
    assertTrue(lm.summary().contains("trainable params: " + String.format("%,d", 4 * (16 + 32) + 4 * (32 + 4))));
  }

  @Test
  void theVariantsSnippetRuns() throws Exception {
    // variants:start
    Module model = new Sequential(new Linear(16, 32, true, new Rng(1)), new GELU(), new Linear(32, 4, true, new Rng(2)));
    LoraConfig dora = LoraConfig.builder().r(4).loraAlpha(8).targetModules("0", "2").useDora(true).build();
    LoraModel lm = LoraModel.inject(model, dora, "dora");        // magnitude · (W + ΔW) / ‖W + ΔW‖ per row
    LoraConfig plain = LoraConfig.builder().r(4).loraAlpha(8).targetModules("0", "2")
        .initLoraWeights(InitLoraWeights.RANDOM).build();         // B non-zero, as if trained
    lm.addAdapter("a", plain.toBuilder().seed(1).build());
    lm.addAdapter("b", plain.toBuilder().seed(2).build());
    lm.addWeightedAdapter(List.of("a", "b"), List.of(0.7f, 0.3f), "ab", WeightedMerge.of(WeightedMerge.Combination.CAT));
    model.eval();
    Variable x = Variable.of(Tensor.randn(new Rng(3), 3, 16), false);
    Variable y = lm.forward(x, List.of("a", "ab", MixedBatch.BASE)); // one adapter per sample, one pass
    // variants:end

    Tensor base;
    try (AutoCloseable off = lm.disableAdapters()) {
      base = model.forward(x).value();
    }
    Tensor doraOut = model.forward(x).value();   // "dora" is active: a fresh DoRA adapter is the base model
    assertTrue(maxRelDiff(doraOut, base) < 1e-6, "fresh DoRA = base");
    String[] names = {"a", "ab"};
    for (int row = 0; row < 3; row++) {
      Tensor expected = base;
      if (row < 2) {
        lm.setAdapter(names[row]);
        expected = model.forward(x).value();
      }
      for (int j = 0; j < 4; j++) {
        assertEquals(expected.get(row * 4 + j), y.value().get(row * 4 + j), 1e-5f, "row " + row + " output " + j);
      }
    }
    assertTrue(maxRelDiff(y.value(), base) > 1e-3, "the adapters matter");
  }

  @Test
  void theReadmeShowsExactlyThisCode() throws IOException {
    assertEquals(ReadmeSnippets.inTest(SELF, "// snippet:start", "// snippet:end"), ReadmeSnippets.inReadme(README, MARKER));
    assertEquals(ReadmeSnippets.inTest(SELF, "// variants:start", "// variants:end"),
        ReadmeSnippets.inReadme(README, VARIANTS_MARKER));
  }
}
