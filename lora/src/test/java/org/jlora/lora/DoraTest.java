package org.jlora.lora;

import static org.jlora.lora.LoraTesting.assertBitIdentical;
import static org.jlora.lora.LoraTesting.assertClose;
import static org.jlora.lora.LoraTesting.maxRelDiff;
import static org.jlora.lora.LoraTesting.weightedSum;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * DoRA against PEFT 0.21 (dora/ and dora.json from make_peft_variant_goldens.py): a DoRA adapter PEFT
 * trained for five steps (so B != 0 and the magnitude differs from the norm) loads into jlora and gives
 * PEFT's outputs, gradients and merged outputs.
 */
class DoraTest {
  private static final double TOL = 1e-5;
  private static final Path ADAPTER = TinyStack.GOLDENS.resolve("dora");

  @TempDir
  Path tmp;

  private static JsonNode golden() throws IOException {
    return new ObjectMapper().readTree(Files.readString(TinyStack.GOLDENS.resolve("dora.json")));
  }

  /** A JSON array of arrays (or of numbers) as a tensor. */
  static Tensor tensor(JsonNode n) {
    if (!n.get(0).isArray()) {
      float[] d = new float[n.size()];
      for (int i = 0; i < d.length; i++) d[i] = (float) n.get(i).asDouble();
      return Tensor.of(d, d.length);
    }
    int rows = n.size();
    int cols = n.get(0).size();
    float[] d = new float[rows * cols];
    for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) d[i * cols + j] = (float) n.get(i).get(j).asDouble();
    return Tensor.of(d, rows, cols);
  }

  private static Tensor run(TinyStack m, JsonNode g) {
    return m.forward(Variable.of(tensor(g.get("x")), false)).value().copy();
  }

  @Test
  void peftDoraAdapterGivesPeftsOutputsAndGradients() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    assertClose(tensor(g.get("base_out")), run(m, g), TOL, "base outputs");
    LoraModel lm = PeftAdapters.fromPretrained(m, ADAPTER);
    assertTrue(lm.config("default").useDora());
    Variable out = m.forward(Variable.of(tensor(g.get("x")), false));
    assertClose(tensor(g.get("dora_out")), out.value(), TOL, "DoRA outputs");
    weightedSum(out, tensor(g.get("loss_weights"))).backward();
    Map<String, Parameter> params = m.namedParameters();
    int compared = 0;
    for (var it = g.get("grads").fields(); it.hasNext(); ) {
      var e = it.next();
      // PEFT: <path>.lora_A.default.weight; jlora: <path>.lora_A.default
      String name = e.getKey().substring(0, e.getKey().length() - ".weight".length());
      Parameter p = params.get(name);
      assertNotNull(p, "jlora has no parameter " + name);
      assertTrue(p.requiresGrad(), name + " trains");
      Tensor expected = tensor(e.getValue()).reshape(p.value().shape());
      assertClose(expected, p.grad(), TOL, "gradient of " + name);
      compared++;
    }
    assertEquals(9 * 3, compared, "A, B and magnitude of nine layers");
  }

  @Test
  void mergingGivesPeftsMergedOutputsAndUnmergingRestoresW() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    Tensor w0 = m.model.get().layers.get().child("1").namedParameters().get("q.weight").value().copy();
    LoraModel lm = PeftAdapters.fromPretrained(m, ADAPTER);
    Tensor unmerged = run(m, g);
    lm.loraLayers().values().forEach(LoraLayer::merge);
    assertClose(tensor(g.get("merged_out")), run(m, g), TOL, "outputs with DoRA merged into W");
    lm.loraLayers().values().forEach(LoraLayer::unmerge);
    Tensor w = m.model.get().layers.get().child("1").namedParameters().get("q.weight").value();
    assertTrue(maxRelDiff(w, w0) < 1e-6, "unmerge restores W: " + maxRelDiff(w, w0));
    assertClose(unmerged, run(m, g), 1e-6, "outputs after merge, unmerge");
    lm.mergeAndUnload();
    assertClose(tensor(g.get("merged_out")), run(m, g), TOL, "outputs after merge_and_unload");
  }

  @Test
  void aFreshDoraAdapterStartsAtTheBaseModelAndSavesPeftsKeys() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    Tensor base = run(m, g);
    LoraModel lm = LoraModel.inject(m, LoraConfig.builder().r(2).loraAlpha(4).targetModules("q", "fc").useDora(true).build());
    assertClose(base, run(m, g), 1e-6, "magnitude = ||W|| and B = 0: the base outputs");
    PeftAdapters.save(lm, "default", tmp);
    Map<String, Tensor> saved = SafeTensors.readAll(tmp.resolve(PeftAdapters.WEIGHTS_FILE));
    assertArrayEquals(new int[] {8}, saved.get("base_model.model.model.layers.0.q.lora_magnitude_vector").shape());
    assertTrue(Files.readString(tmp.resolve(PeftAdapters.CONFIG_FILE)).contains("\"use_dora\" : true"));
  }

  @Test
  void jloraSavedDoraLoadsBackBitIdentical() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    LoraModel lm = PeftAdapters.fromPretrained(m, ADAPTER);
    Tensor out = run(m, g);
    PeftAdapters.save(lm, "default", tmp);
    TinyStack fresh = TinyStack.golden();
    PeftAdapters.fromPretrained(fresh, tmp);
    assertBitIdentical(out, run(fresh, g), "outputs after save -> load");
  }

  /**
   * The other direction: the DoRA adapter this builds (seeded, so the same every run) is committed
   * as jlora-dora/, and make_peft_variant_goldens.py loaded it into PEFT and wrote PEFT's outputs
   * (jlora-dora.json). Run with -Djlora.writeDoraGolden=true to rewrite the adapter, then rerun the script.
   */
  @Test
  void jloraSavedDoraGivesTheSameOutputsInPeft() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    LoraModel lm = LoraModel.inject(m, LoraConfig.builder().r(2).loraAlpha(4).targetModules("q", "v", "fc")
        .useDora(true).initLoraWeights(InitLoraWeights.RANDOM).seed(7).build());
    lm.loraLayers().values().forEach(l -> {
      Tensor mag = l.adapter("default").magnitude().value();
      for (int i = 0; i < mag.size(); i++) mag.set(i, mag.get(i) * (1 + 0.05f * i));   // magnitude != norm
    });
    Path committed = TinyStack.GOLDENS.resolve("jlora-dora");
    if (Boolean.getBoolean("jlora.writeDoraGolden")) PeftAdapters.save(lm, "default", committed);
    PeftAdapters.save(lm, "default", tmp);
    Map<String, Tensor> now = SafeTensors.readAll(tmp.resolve(PeftAdapters.WEIGHTS_FILE));
    Map<String, Tensor> then = SafeTensors.readAll(committed.resolve(PeftAdapters.WEIGHTS_FILE));
    assertEquals(then.keySet(), now.keySet());
    then.forEach((k, t) -> assertBitIdentical(t, now.get(k), k));
    JsonNode peft = new ObjectMapper().readTree(Files.readString(TinyStack.GOLDENS.resolve("jlora-dora.json")));
    assertClose(tensor(peft.get("peft_out")), run(m, g), TOL, "jlora's outputs vs PEFT's with jlora's adapter");
  }

  @Test
  void doraIsRefusedByNameWhereJloraLacksIt() {
    LoraConfig cfg = LoraConfig.builder().targetModules("emb").useDora(true).build();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LoraModel.inject(new TinyModel(1), cfg));
    assertTrue(e.getMessage().contains("use_dora") && e.getMessage().contains("'emb'"), e.getMessage());
  }
}
