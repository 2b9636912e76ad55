package org.jlora.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * trainable_token_indices on a tiny language model whose head is tied to its embedding (as jlora's
 * Llama and GPT-2): the rows replace W's, train alone with the LoRA matrices, reach the tied head,
 * merge and unmerge exactly, and save under PEFT's key. PEFT parity itself is checked on a real
 * Llama in examples (TrainableTokensPeftTest).
 */
class TrainableTokensTest {
  static final int[] IDS = {3, 1, 5, 7, 0, 3};   // [2, 3]: tokens 3, 5, 7 are looked up as well
  static final List<Integer> TOKENS = List.of(3, 5, 7);

  /** embed_tokens [12, 6] -> q (6 -> 6) -> head tied to the table: logits [2, 3, 12]. */
  static final class TiedLm extends Module {
    final Child<Embedding> embedTokens;
    final Child<Linear> q;

    TiedLm(long seed) {
      Rng rng = new Rng(seed);
      embedTokens = registerModule("embed_tokens", Embedding.class, new Embedding(12, 6, rng));
      q = registerModule("q", Linear.class, new Linear(6, 6, true, rng));
    }

    Variable logits() {
      Variable h = F.tanh(q.get().forward(embedTokens.get().forward(IDS, 2, 3)));
      return F.linear(h, embedTokens.get().table(), null);   // tied: the table the lookup reads
    }
  }

  private static LoraConfig config() {
    return LoraConfig.builder().r(2).loraAlpha(4).targetModules("q").trainableTokenIndices(TOKENS)
        .initLoraWeights(InitLoraWeights.RANDOM).seed(3).build();
  }

  /** Moves the rows away from W's so that they matter. */
  private static void perturbRows(TrainableTokensEmbedding t) {
    perturbRows(t, "default");
  }

  private static void perturbRows(TrainableTokensEmbedding t, String adapter) {
    Tensor d = t.adapter(adapter).delta().value();
    d.copyFrom(Tensor.randn(new Rng(11), d.shape()));
  }

  private static Tensor weights() {
    return Tensor.randn(new Rng(5), 2, 3, 12);
  }

  @Test
  void untrainedRowsChangeNothingAndOnlyTheRowsAndLoraTrain() {
    TiedLm model = new TiedLm(1);
    LoraModel lm = LoraModel.inject(model, LoraConfig.builder().r(2).targetModules("q").trainableTokenIndices(TOKENS).build());
    TiedLm base = new TiedLm(1);
    LoraTesting.assertBitIdentical(base.logits().value(), model.logits().value(), "rows start as W's, B as zero");

    TrainableTokensEmbedding t = lm.tokenLayers().get("embed_tokens");
    assertNotNull(t, "embed_tokens is the input embedding the list form means");
    Map<String, Parameter> trainable = new java.util.TreeMap<>();
    model.namedParameters().forEach((n, p) -> {
      if (p.requiresGrad()) trainable.put(n, p);
    });
    assertEquals(List.of("embed_tokens.token_adapter.trainable_tokens_delta.default", "q.lora_A.default", "q.lora_B.default"),
        List.copyOf(trainable.keySet()));
    assertEquals(List.of(3, 6), List.of(t.adapter("default").delta().shape()[0], t.adapter("default").delta().shape()[1]));
  }

  @Test
  void theRowsGradientIsTheTableGradientAtThoseRowsFromLookupAndTiedHead() {
    TiedLm model = new TiedLm(1);
    LoraModel lm = LoraModel.inject(model, config());
    TrainableTokensEmbedding t = lm.tokenLayers().get("embed_tokens");
    perturbRows(t);
    Tensor w = weights();
    LoraTesting.weightedSum(model.logits(), w).backward();
    assertNull(t.weight().grad(), "the base table stays frozen");
    Tensor rowsGrad = t.adapter("default").delta().grad();

    // the oracle: the same model with those rows written into W and the whole table trained
    TiedLm full = new TiedLm(1);
    full.q.get().weight().value().copyFrom(mergedQ(lm));
    TrainableTokensEmbedding.writeRows(full.embedTokens.get().weight().value(), new int[] {3, 5, 7},
        t.adapter("default").delta().value());
    LoraTesting.weightedSum(full.logits(), w).backward();
    Tensor want = TrainableTokensEmbedding.rows(full.embedTokens.get().weight().grad(), new int[] {3, 5, 7});
    LoraTesting.assertClose(want, rowsGrad, 1e-5, "rows gradient (lookup + tied head)");
    assertNotNull(((LoraLayer) model.q.get()).adapter("default").a().grad(), "LoRA A trains");
  }

  /** q's weight with the LoRA update folded in, so the oracle model computes the same function. */
  private static Tensor mergedQ(LoraModel lm) {
    LoraLayer q = lm.loraLayers().get("q");
    Tensor merged = q.baseWeight().value().copy();
    Tensor d = q.deltaWeight(q.adapter("default"));
    for (int i = 0; i < merged.size(); i++) merged.data()[i] += d.data()[i];
    return merged;
  }

  @Test
  void mergeWritesTheRowsAndUnmergeRestoresWBitForBit() {
    TiedLm model = new TiedLm(1);
    LoraModel lm = LoraModel.inject(model, config());
    TrainableTokensEmbedding t = lm.tokenLayers().get("embed_tokens");
    perturbRows(t);
    Tensor before = t.weight().value().copy();
    Tensor unmerged = model.logits().value().copy();
    t.merge();
    assertTrue(t.isMerged());
    LoraTesting.assertBitIdentical(unmerged, model.logits().value(), "merged rows = replaced rows");
    t.unmerge();
    LoraTesting.assertBitIdentical(before, t.weight().value(), "W after unmerge");

    lm.mergeAndUnload();
    assertFalse(model.embedTokens.get() instanceof TrainableTokensEmbedding, "a plain embedding again");
    LoraTesting.assertClose(unmerged, model.logits().value(), 1e-6, "merge_and_unload");
  }

  @Test
  void disablingOrDeletingShowsThePlainTable() throws Exception {
    TiedLm model = new TiedLm(1);
    LoraModel lm = LoraModel.inject(model, config());
    perturbRows(lm.tokenLayers().get("embed_tokens"));
    Tensor base = new TiedLm(1).logits().value();
    try (AutoCloseable off = lm.disableAdapters()) {
      LoraTesting.assertBitIdentical(base, model.logits().value(), "adapters disabled");
    }
    assertTrue(LoraTesting.maxRelDiff(base, model.logits().value()) > 1e-3, "enabled again");
    lm.deleteAdapter("default");
    assertTrue(lm.tokenLayers().isEmpty(), "no rows left: the wrapper is gone");
    LoraTesting.assertBitIdentical(base, model.logits().value(), "after deleting the adapter");
  }

  @Test
  void savedUnderPeftsKeyAndLoadedBackIdentically(@TempDir Path dir) throws Exception {
    TiedLm model = new TiedLm(1);
    LoraModel lm = LoraModel.inject(model, config());
    perturbRows(lm.tokenLayers().get("embed_tokens"));
    Tensor want = model.logits().value().copy();
    PeftAdapters.save(lm, "default", dir);
    Map<String, Tensor> file = SafeTensors.readAll(dir.resolve(PeftAdapters.WEIGHTS_FILE));
    Tensor rows = file.get("base_model.model.embed_tokens.token_adapter.trainable_tokens_delta");
    assertNotNull(rows, "PEFT's key; keys: " + file.keySet());
    assertEquals(List.of(3, 6), List.of(rows.shape()[0], rows.shape()[1]));
    assertEquals(3, file.size(), "the rows, and A and B of q; nothing for the tied head");

    TiedLm fresh = new TiedLm(1);
    LoraModel back = PeftAdapters.fromPretrained(fresh, dir);
    assertEquals(List.of(3, 5, 7), back.config("default").trainableTokenIndices());
    LoraTesting.assertBitIdentical(want, fresh.logits().value(), "reloaded");
  }

  @Test
  void eachAdapterShowsItsOwnRowsAndTwoAtOnceAreRefused() {
    TiedLm model = new TiedLm(1);
    LoraModel lm = LoraModel.inject(model, config(), "a");
    lm.addAdapter("b", config().toBuilder().trainableTokenIndices(2, 3).build());
    TrainableTokensEmbedding t = lm.tokenLayers().get("embed_tokens");
    perturbRows(t, "a");   // adapter "a"'s rows move; "b"'s still equal W's
    Tensor withA = model.logits().value().copy();
    lm.setAdapter("b");
    assertEquals("b", t.activeAdapter());
    assertFalse(t.adapter("a").delta().requiresGrad(), "the inactive adapter's rows are frozen");
    assertTrue(t.adapter("b").delta().requiresGrad());
    assertTrue(LoraTesting.maxRelDiff(withA, model.logits().value()) > 1e-3, "b shows other rows");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> lm.setAdapter(List.of("a", "b")));
    assertTrue(e.getMessage().contains("only one set of trainable tokens"), e.getMessage());
    assertEquals("b", t.activeAdapter(), "a refused setAdapter changes nothing");
    assertTrue(lm.summary().contains("tokens=[2, 3] active"), lm.summary());
  }

  @Test
  void badTargetsAreRefusedBeforeAnythingChanges() {
    TiedLm model = new TiedLm(1);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraModel.inject(model,
        LoraConfig.builder().targetModules("q").trainableTokenIndices(Map.of("q", List.of(1))).build()));
    assertTrue(e.getMessage().contains("trainable_token_indices['q']: the module is a Linear"), e.getMessage());
    assertInstanceOf(Linear.class, model.q.get());
    assertFalse(model.q.get() instanceof LoraLayer, "nothing was replaced");
    e = assertThrows(IllegalArgumentException.class, () -> LoraModel.inject(model,
        LoraConfig.builder().targetModules("q").trainableTokenIndices(20).build()));
    assertTrue(e.getMessage().contains("the table has 12 rows"), e.getMessage());
    assertFalse(model.q.get() instanceof LoraLayer, "nothing was replaced");
    e = assertThrows(IllegalArgumentException.class, () -> LoraModel.inject(model,
        LoraConfig.builder().targetModules("q", "embed_tokens").trainableTokenIndices(1).build()));
    assertTrue(e.getMessage().contains("a LoRA target and in trainable_token_indices"), e.getMessage());
    LoraModel lm = LoraModel.inject(model, LoraConfig.builder().targetModules("q").trainableTokenIndices(1).build());
    e = assertThrows(IllegalArgumentException.class, () -> lm.addAdapter("lora-on-table",
        LoraConfig.builder().targetModules("embed_tokens").build()));
    assertTrue(e.getMessage().contains("trains token rows"), e.getMessage());
  }
}
