package org.jlora.lora;

import static org.jlora.lora.LoraTesting.anyNonZero;
import static org.jlora.lora.LoraTesting.assertBitIdentical;
import static org.jlora.lora.LoraTesting.assertClose;
import static org.jlora.lora.LoraTesting.maxRelDiff;
import static org.jlora.lora.LoraTesting.weightedSum;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.GradCheck;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** The invariants every LoRA layer type must keep, run over each type and form (see {@link LayerCase}). */
class LoraLayerInvariantsTest {

  static List<LayerCase> cases() {
    return LayerCase.all();
  }

  private static Tensor out(LayerCase c, Module m) {
    return c.forward().apply(m).value().copy();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void atInitTheOutputIsTheBaseLayers(LayerCase c) {
    for (InitLoraWeights init : new InitLoraWeights[] {InitLoraWeights.DEFAULT, InitLoraWeights.GAUSSIAN}) {
      Module base = c.makeBase().apply(new Rng(5));
      Tensor expected = out(c, base);
      Module lora = c.wrap().apply(base, false);
      LoraAdapter ad = ((LoraLayer) lora).addAdapter(new AdapterSpec("default", 2, 3f, 1.5f, 0f, init, new Rng(6)));
      // the adapter is not trivially zero on both sides: one factor carries the init
      assertTrue(anyNonZero(ad.a().value()) || anyNonZero(ad.b().value()), init + ": both A and B are zero");
      assertBitIdentical(expected, out(c, lora), c + " " + init);
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void mergedOutputEqualsUnmergedOutput(LayerCase c) {
    Module lora = c.buildLora(7, InitLoraWeights.RANDOM, false);
    LoraLayer layer = (LoraLayer) lora;
    Tensor base = out(c, layer.toBaseLayer());
    Tensor unmerged = out(c, lora);
    assertTrue(maxRelDiff(unmerged, base) > 1e-3, "a RANDOM adapter must change the output");
    layer.merge();
    assertTrue(layer.isMerged());
    assertClose(unmerged, out(c, lora), 1e-5, c + " merged vs unmerged");
    // the merged weight alone (a plain layer over it) computes the same
    assertClose(unmerged, out(c, layer.toBaseLayer()), 1e-5, c + " plain layer over merged W");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void onlyLoraParametersReceiveGradientsWhenMarked(LayerCase c) {
    for (Bias bias : new Bias[] {Bias.NONE, Bias.LORA_ONLY, Bias.ALL}) {
      Module lora = c.buildLora(8, InitLoraWeights.RANDOM, false);
      LoraLayer layer = (LoraLayer) lora;
      Lora.markOnlyLoraAsTrainable(lora, bias);
      Variable y = c.forward().apply(lora);
      weightedSum(y, Tensor.randn(new Rng(9), y.shape())).backward();
      LoraAdapter ad = layer.adapter("default");
      assertNotNull(ad.a().grad(), "A gets a gradient");
      assertNotNull(ad.b().grad(), "B gets a gradient");
      assertTrue(anyNonZero(ad.a().grad().copy()) && anyNonZero(ad.b().grad().copy()), "non-zero A, B gradients");
      assertFalse(layer.baseWeight().requiresGrad(), "base weight frozen");
      assertGradAbsent(layer.baseWeight(), c + " base weight");
      if (layer.baseBias() != null) {
        if (bias == Bias.NONE) {
          assertGradAbsent(layer.baseBias(), c + " bias with Bias.NONE");
        } else {
          assertNotNull(layer.baseBias().grad(), c + " bias trains with " + bias);
        }
      }
      long expected = c.adapterParamCount() + (bias != Bias.NONE && layer.baseBias() != null
          ? layer.baseBias().value().size() : 0);
      assertEquals(expected, Lora.trainableParameterCount(lora), c + " trainable count with " + bias);
    }
  }

  private static void assertGradAbsent(Parameter p, String what) {
    assertTrue(p.grad() == null || !anyNonZero(p.grad().copy()), what + " must receive no gradient");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void trainableCountIsTheFormula(LayerCase c) {
    Module lora = c.buildLora(10, InitLoraWeights.DEFAULT, false);
    Lora.markOnlyLoraAsTrainable(lora, Bias.NONE);
    assertEquals(c.adapterParamCount(), Lora.trainableParameterCount(lora));
    assertEquals(c.adapterParamCount(), ((LoraLayer) lora).adapter("default").parameterCount());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void gradientsOfAAndBMatchFiniteDifferences(LayerCase c) {
    Module lora = c.buildLora(12, InitLoraWeights.RANDOM, false);
    LoraAdapter ad = ((LoraLayer) lora).adapter("default");
    Tensor w = Tensor.randn(new Rng(13), c.forward().apply(lora).shape());
    GradCheck.check(c.name(), () -> weightedSum(c.forward().apply(lora), w), ad.a(), ad.b());
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void mergeUnmergeHundredTimesRestoresW(LayerCase c) {
    Module lora = c.buildLora(14, InitLoraWeights.RANDOM, false);
    LoraLayer layer = (LoraLayer) lora;
    Tensor w0 = layer.baseWeight().value().copy();
    layer.merge();
    assertTrue(maxRelDiff(layer.baseWeight().value(), w0) > 1e-3, "merge changes W");
    layer.unmerge();
    for (int i = 1; i < 100; i++) {
      layer.merge();
      layer.unmerge();
    }
    assertFalse(layer.isMerged());
    assertClose(w0, layer.baseWeight().value(), 1e-6, c + " W after 100 merge/unmerge");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void loadingAStateDictWhileMergedIsRefused(LayerCase c) {
    Module lora = c.buildLora(15, InitLoraWeights.RANDOM, false);
    LoraLayer layer = (LoraLayer) lora;
    Map<String, Tensor> snapshot = new LinkedHashMap<>();
    lora.stateDict().forEach((k, v) -> snapshot.put(k, v.copy()));
    layer.merge();
    Tensor mergedW = layer.baseWeight().value().copy();
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> lora.loadStateDict(snapshot, true));
    assertTrue(e.getMessage().contains("merged") && e.getMessage().contains("unmerge"), e.getMessage());
    assertBitIdentical(mergedW, layer.baseWeight().value(), "W untouched by the refused load");
    layer.unmerge();
    lora.loadStateDict(snapshot, true);
    assertBitIdentical(snapshot.get("weight"), layer.baseWeight().value(), "load after unmerge");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void withMergeWeightsEvalMergesAndTrainUnmerges(LayerCase c) {
    Module lora = c.buildLora(16, InitLoraWeights.RANDOM, true);
    LoraLayer layer = (LoraLayer) lora;
    Tensor w0 = layer.baseWeight().value().copy();
    Tensor trainOut = out(c, lora);
    lora.eval();
    assertTrue(layer.isMerged(), "eval() merges");
    assertTrue(maxRelDiff(layer.baseWeight().value(), w0) > 1e-3, "W holds W0 + ΔW");
    assertClose(trainOut, out(c, lora), 1e-5, c + " eval (merged) vs train output");
    lora.train();
    assertFalse(layer.isMerged(), "train() unmerges");
    assertClose(w0, layer.baseWeight().value(), 1e-6, "W back to W0");
    assertClose(trainOut, out(c, lora), 1e-5, c + " train output after unmerge");
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void withoutMergeWeightsEvalDoesNotMerge(LayerCase c) {
    Module lora = c.buildLora(17, InitLoraWeights.RANDOM, false);
    lora.eval();
    assertFalse(((LoraLayer) lora).isMerged());
  }
}
