package org.jlora.lora;

import static org.jlora.lora.LoraTesting.assertBitIdentical;
import static org.jlora.lora.LoraTesting.assertClose;
import static org.jlora.lora.LoraTesting.maxRelDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/** Injection by config (suffix list, regex, patterns), dry runs, named adapters, unloading, summary. */
class LoraModelTest {

  private static LoraConfig.Builder cfg(String... targets) {
    return LoraConfig.builder().r(2).loraAlpha(4).targetModules(targets);
  }

  private static List<String> matched(TinyModel m, LoraConfig c) {
    return LoraModel.dryRun(m, c).stream().map(LoraModel.Match::module).toList();
  }

  @Test
  void targetListMatchesWholeNameOrDottedSuffix() {
    TinyModel m = new TinyModel(1);
    assertEquals(List.of("fc1", "block.c_attn"), matched(m, cfg("c_attn", "fc1").build()));
    // "attn" is not a suffix of a name component: no match, like PEFT
    assertThrows(IllegalArgumentException.class, () -> matched(m, cfg("attn").build()));
  }

  @Test
  void allLinearTakesEveryLinearButTheOutputHeadAndSavesTheNames() {
    TinyModel m = new TinyModel(7);
    LoraModel lm = LoraModel.inject(m, LoraConfig.builder().r(2).loraAlpha(4).targetRegex("all-linear").build());
    assertEquals(List.of("block.c_attn", "block.c_proj", "fc1"), List.copyOf(new java.util.TreeSet<>(lm.loraLayers().keySet())));
    assertEquals(List.of("c_attn", "c_proj", "fc1"), lm.config("default").targetModules());
  }

  /** A layer whose weight is stored [in, out], as GPT-2's Conv1D. */
  private static final class Conv1DLike extends Linear {
    Conv1DLike(Tensor wInOut) {
      super(new Parameter(wInOut), null, true);
    }
  }

  @Test
  void aLoraLayerFollowsItsBaseLayersStorageWhateverTheConfigSays() {
    Tensor w = Tensor.randn(new org.jlora.engine.Rng(3), 6, 6);   // square: a wrong layout would not fail on shapes
    Module m = new org.jlora.autograd.nn.Sequential(new Conv1DLike(w));
    LoraModel lm = LoraModel.inject(m, cfg("0").fanInFanOut(false).initLoraWeights(InitLoraWeights.RANDOM).build());
    assertTrue(lm.config("default").fanInFanOut(), "the saved config says the layer is [in, out], as PEFT writes it");
    Tensor x = Tensor.randn(new org.jlora.engine.Rng(4), 2, 6);
    Tensor unmerged = m.forward(org.jlora.autograd.Variable.of(x, false)).value();
    LoraLayer layer = lm.loraLayers().get("0");
    // expected: x·W + scaling · x·Aᵀ·Bᵀ with W used as stored ([in, out])
    Tensor expected = org.jlora.engine.Backends.current().matmul().matmul(x, false, w, false);
    LoraAdapter ad = layer.adapter("default");
    Tensor low = org.jlora.engine.Backends.current().matmul().matmul(org.jlora.engine.Backends.current().matmul().matmul(x, false, ad.a().value(), true), false,
        ad.b().value(), true);
    for (int i = 0; i < expected.size(); i++) expected.data()[i] += ad.scaling() * low.data()[i];
    assertClose(expected, unmerged, 1e-5, "LoRA over an [in, out] weight");
  }

  @Test
  void everyListedTargetMustMatchSomething() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LoraModel.dryRun(new TinyModel(7), cfg("fc1", "c_atn").build()));
    assertTrue(e.getMessage().contains("'c_atn' matched no module") && e.getMessage().contains("block.c_attn"),
        e.getMessage());
  }

  @Test
  void regexMustMatchTheWholeName() {
    TinyModel m = new TinyModel(1);
    LoraConfig block = LoraConfig.builder().r(2).targetRegex("block\\..*").build();
    assertEquals(List.of("block.c_attn", "block.c_proj"), matched(m, block));
    LoraConfig partial = LoraConfig.builder().r(2).targetRegex("c_attn").build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraModel.dryRun(m, partial));
    assertTrue(e.getMessage().contains("regex 'c_attn' matched no module"), e.getMessage());
  }

  @Test
  void aRegexDoesNotReachALoraLayersOwnAdapterHolders() {
    TinyModel m = new TinyModel(1);
    LoraModel lm = LoraModel.inject(m, cfg("fc1").build());
    // after injection "fc1.lora_A" exists; ".*fc1.*" must still adapt only fc1 itself
    lm.addAdapter("second", LoraConfig.builder().r(2).targetRegex(".*fc1.*").build());
    assertEquals(List.of("default", "second"), lm.loraLayers().get("fc1").adapterNames());
  }

  @Test
  void rankAndAlphaPatternsOverrideByModule() {
    TinyModel m = new TinyModel(1);
    LoraConfig c = cfg("fc1", "c_attn", "c_proj").rankPattern("c_attn", 4).alphaPattern("c_proj", 12f).build();
    LoraModel lm = LoraModel.inject(m, c);
    Map<String, LoraLayer> layers = lm.loraLayers();
    LoraAdapter fc1 = layers.get("fc1").adapter("default");
    LoraAdapter attn = layers.get("block.c_attn").adapter("default");
    LoraAdapter proj = layers.get("block.c_proj").adapter("default");
    assertEquals(2, fc1.r());
    assertEquals(2f, fc1.scaling());
    assertEquals(4, attn.r());
    assertEquals(1f, attn.scaling());            // 4 / 4
    assertEquals(2, proj.r());
    assertEquals(6f, proj.scaling());            // 12 / 2
    assertEquals(4 * 8, attn.a().value().size());
  }

  @Test
  void aTargetMatchingNothingListsCandidatesClosestFirst() {
    TinyModel m = new TinyModel(1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> LoraModel.inject(m, cfg("c_atn").build()));
    String msg = e.getMessage();
    assertTrue(msg.contains("target_modules [c_atn] matched no module"), msg);
    String candidates = msg.substring(msg.indexOf("):") + 2).trim();
    assertTrue(candidates.startsWith("block.c_attn"), msg);
    for (String n : List.of("emb", "fc1", "block.c_proj", "conv")) assertTrue(msg.contains(n), msg);
    assertTrue(lmFree(m), "a failed inject leaves the model alone");
  }

  private static boolean lmFree(Module m) {
    return m.namedModules().values().stream().noneMatch(x -> x instanceof LoraLayer);
  }

  @Test
  void dryRunListsMatchesWithoutChangingTheModel() {
    TinyModel m = new TinyModel(1);
    Map<String, Module> before = m.namedModules();
    Tensor out = m.outputs();
    List<LoraModel.Match> matches = LoraModel.dryRun(m, cfg("emb", "fc1", "c_attn", "conv")
        .rankPattern("conv", 3).build());
    assertEquals(4, matches.size());
    assertEquals("fc1 (Linear) -> LoraLinear r=2 alpha=4.0", matches.get(1).toString());
    assertEquals("LoraEmbedding", matches.get(0).becomes());
    assertEquals(3, matches.get(3).r());
    assertEquals(before, m.namedModules());
    assertTrue(lmFree(m));
    assertBitIdentical(out, m.outputs(), "outputs after a dry run");
  }

  @Test
  void injectionStartsAtTheBaseOutputsAndTrainsOnlyAdapters() {
    TinyModel m = new TinyModel(2);
    Tensor base = m.outputs();
    long total = m.parameterCount();
    LoraModel lm = LoraModel.inject(m, cfg("emb", "fc1", "c_attn", "c_proj", "conv").build());
    assertBitIdentical(base, m.outputs(), "outputs at init");
    assertInstanceOf(LoraEmbedding.class, m.emb.get());
    assertInstanceOf(LoraLinear.class, m.fc1.get());
    assertInstanceOf(LoraConv2d.class, m.conv.get());
    // r·(vocab + dim) + r·(in + out) per Linear + r·(in·k·k) + out·r for the factorized conv
    long expected = 2 * (10 + 6) + 2 * (6 + 8) + 2 * (8 + 12) + 2 * (12 + 8) + (2 * 2 * 9 + 4 * 2);
    assertEquals(expected, Lora.trainableParameterCount(m));
    assertEquals(total + expected, m.parameterCount());
    String summary = lm.summary();
    assertTrue(summary.startsWith(String.format("trainable params: %,d || all params: %,d", expected,
        total + expected)), summary);
    assertTrue(summary.contains("block.c_attn") && summary.contains("r=2") && summary.contains("scaling=2.0000"),
        summary);
  }

  @Test
  void biasAllTrainsEveryBiasAndLoraOnlyJustTheAdaptedOnes() {
    TinyModel m = new TinyModel(2);
    LoraModel.inject(m, cfg("fc1").bias(Bias.LORA_ONLY).build());
    assertTrue(m.fc1.get().bias().requiresGrad());
    assertFalse(m.block.get().cAttn.get().bias().requiresGrad());
    Lora.markOnlyLoraAsTrainable(m, Bias.ALL);
    assertTrue(m.block.get().cAttn.get().bias().requiresGrad());
    assertTrue(m.conv.get().bias().requiresGrad());
    assertFalse(m.conv.get().weight().requiresGrad());
    assertEquals(List.of("fc1.lora_A.default", "fc1.lora_B.default", "fc1.bias", "block.c_attn.bias",
        "block.c_proj.bias", "conv.bias"), List.copyOf(Lora.loraStateDict(m, Bias.ALL).keySet()));
    assertEquals(List.of("fc1.lora_A.default", "fc1.lora_B.default", "fc1.bias"),
        List.copyOf(Lora.loraStateDict(m, Bias.LORA_ONLY).keySet()));
  }

  @Test
  void severalNamedAdaptersSetDisableDelete() throws Exception {
    TinyModel m = new TinyModel(3);
    Tensor base = m.outputs();
    LoraModel lm = LoraModel.inject(m, cfg("fc1", "c_attn").initLoraWeights(InitLoraWeights.RANDOM).seed(1).build(),
        "a");
    Tensor outA = m.outputs();
    // b adapts c_attn and conv: conv has no adapter "a", so while "a" is active conv applies nothing
    lm.addAdapter("b", cfg("c_attn", "conv").initLoraWeights(InitLoraWeights.RANDOM).seed(2).build());
    assertEquals("a", lm.activeAdapter());
    assertBitIdentical(outA, m.outputs(), "adding b keeps a's outputs");
    assertTrue(Lora.trainableParameterCount(m) == 2 * (6 + 8) + 2 * (8 + 12), "only a's matrices train");

    lm.setAdapter("b");
    Tensor outB = m.outputs();
    assertTrue(maxRelDiff(outB, outA) > 1e-3 && maxRelDiff(outB, base) > 1e-3);
    assertEquals(2 * (8 + 12) + (2 * 2 * 9 + 4 * 2), Lora.trainableParameterCount(m));
    // b alone, built by hand from the base: fc1 unadapted, c_attn and conv with b's matrices
    try (AutoCloseable off = lm.disableAdapters()) {
      assertBitIdentical(base, m.outputs(), "adapters disabled");
    }
    assertBitIdentical(outB, m.outputs(), "adapters back on");

    lm.setAdapter("a");
    assertBitIdentical(outA, m.outputs(), "back to a");
    assertThrows(IllegalStateException.class, () -> lm.deleteAdapter("a"), "the active adapter");
    lm.deleteAdapter("b");
    assertEquals(List.of("a"), lm.adapterNames());
    assertEquals(List.of(), ((LoraLayer) m.conv.get()).adapterNames());
    assertBitIdentical(outA, m.outputs(), "after deleting b");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lm.setAdapter("b"));
    assertTrue(e.getMessage().contains("no adapter 'b'"), e.getMessage());
  }

  @Test
  void mergeAndUnloadGivesPlainLayersWithTheMergedOutputs() {
    TinyModel m = new TinyModel(4);
    LoraModel lm = LoraModel.inject(m, cfg("emb", "c_attn", "conv").enableLora(true, false, true)
        .initLoraWeights(InitLoraWeights.RANDOM).mergeWeights(true).build());
    assertInstanceOf(MergedLinear.class, m.block.get().cAttn.get());
    Tensor unmerged = m.outputs();
    m.eval();   // merge_weights: every layer merges
    lm.loraLayers().values().forEach(l -> assertTrue(l.isMerged()));
    Tensor merged = m.outputs();
    assertClose(unmerged, merged, 1e-5, "merged model vs unmerged");
    Module plain = lm.mergeAndUnload();
    assertSame(m, plain);
    assertTrue(lmFree(m), "no LoRA layer left");
    assertSame(Linear.class, m.block.get().cAttn.get().getClass().getSuperclass(), "a plain Linear");
    assertFalse(m.block.get().cAttn.get().isTraining(), "the plain layer keeps the model's eval mode");
    assertEquals(List.of("emb.weight", "fc1.weight", "fc1.bias", "block.c_attn.weight", "block.c_attn.bias",
        "block.c_proj.weight", "block.c_proj.bias", "conv.weight", "conv.bias"), List.copyOf(m.namedParameters().keySet()));
    assertBitIdentical(merged, m.outputs(), "plain layers over merged weights");
  }

  @Test
  void aMergeThatWouldMakeWeightsNonFiniteIsRefusedAndLeavesWUntouched() {
    TinyModel m = new TinyModel(4);
    LoraModel lm = LoraModel.inject(m, cfg("fc1", "c_proj").initLoraWeights(InitLoraWeights.RANDOM).build());
    LoraLayer layer = lm.loraLayers().get("fc1");
    Tensor other = lm.loraLayers().get("block.c_proj").baseWeight().value().copy();
    layer.adapter("default").b().value().data()[0] = Float.POSITIVE_INFINITY;
    Tensor w = layer.baseWeight().value().copy();
    IllegalStateException e = assertThrows(IllegalStateException.class, lm::mergeAndUnload);
    assertTrue(e.getMessage().contains("adapter 'default'") && e.getMessage().contains("nothing was merged"), e.getMessage());
    assertTrue(e.getMessage().startsWith("layer 'fc1'"), e.getMessage());
    assertBitIdentical(w, layer.baseWeight().value(), "W untouched");
    assertBitIdentical(other, lm.loraLayers().get("block.c_proj").baseWeight().value(), "no other layer merged");
    assertFalse(layer.isMerged());
  }

  @Test
  void unloadRestoresTheBaseOutputs() {
    TinyModel m = new TinyModel(5);
    Map<String, Tensor> w0 = new LinkedHashMap<>();
    m.stateDict().forEach((k, v) -> w0.put(k, v.copy()));
    Tensor base = m.outputs();
    LoraModel lm = LoraModel.inject(m, cfg("emb", "fc1", "conv").initLoraWeights(InitLoraWeights.RANDOM).build());
    lm.loraLayers().values().forEach(LoraLayer::merge);
    assertTrue(maxRelDiff(m.outputs(), base) > 1e-3);
    lm.unload();
    assertTrue(lmFree(m));
    assertClose(base, m.outputs(), 1e-6, "base outputs after unload");
    m.stateDict().forEach((k, v) -> assertClose(w0.get(k), v, 1e-6, k));
  }

  @Test
  void injectingIntoAModelInEvalKeepsEvalMode() {
    TinyModel m = new TinyModel(6);
    m.eval();
    LoraModel.inject(m, cfg("fc1").build());
    assertFalse(m.fc1.get().isTraining(), "the LoRA layer replacing an eval-mode Linear is in eval mode");
    m.namedModules().values().forEach(x -> assertFalse(x.isTraining(), x.toString()));
  }

  @Test
  void onlyTheActiveAdapterTrainsAfterSetAdapter() {
    TinyModel m = new TinyModel(7);
    LoraModel lm = LoraModel.inject(m, cfg("fc1").build(), "a");
    lm.addAdapter("b", cfg("fc1").build());
    lm.setAdapter("b");
    LoraLayer fc1 = lm.loraLayers().get("fc1");
    Parameter aA = fc1.adapter("a").a();
    Parameter bA = fc1.adapter("b").a();
    assertFalse(aA.requiresGrad());
    assertTrue(bA.requiresGrad());
    assertEquals("b", fc1.activeAdapter());
    assertNull(lm.loraLayers().get("fc1").lora().adapters().get("c"));
  }
}
