package org.jlora.lora;

import static org.jlora.lora.DoraTest.tensor;
import static org.jlora.lora.LoraTesting.assertBitIdentical;
import static org.jlora.lora.LoraTesting.assertClose;
import static org.jlora.lora.LoraTesting.maxRelDiff;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** PEFT's lora_bias (a trainable bias on B) against PEFT 0.21 (lora-bias/ and lora-bias.json). */
class LoraBiasTest {
  @TempDir
  Path tmp;

  private static JsonNode golden() throws IOException {
    return new ObjectMapper().readTree(Files.readString(TinyStack.GOLDENS.resolve("lora-bias.json")));
  }

  private static Tensor run(TinyStack m, JsonNode g) {
    return m.forward(Variable.of(tensor(g.get("x")), false)).value().copy();
  }

  @Test
  void peftsAdapterGivesPeftsOutputsMergedOrNot() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    Tensor b0 = m.namedParameters().get("model.layers.0.q.bias").value().copy();
    LoraModel lm = PeftAdapters.fromPretrained(m, TinyStack.GOLDENS.resolve("lora-bias"));
    assertTrue(lm.config("default").loraBias());
    assertClose(tensor(g.get("out")), run(m, g), 1e-5, "outputs with lora_bias");
    lm.loraLayers().values().forEach(LoraLayer::merge);
    assertClose(tensor(g.get("merged_out")), run(m, g), 1e-5, "merged: B's bias folded into the base bias");
    lm.loraLayers().values().forEach(LoraLayer::unmerge);
    assertTrue(maxRelDiff(m.namedParameters().get("model.layers.0.q.bias").value(), b0) < 1e-6, "unmerge restores the bias");
    assertClose(tensor(g.get("out")), run(m, g), 1e-5, "after unmerging");
  }

  @Test
  void savesPeftsKeyAndLoadsBackBitIdentical() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    LoraModel lm = PeftAdapters.fromPretrained(m, TinyStack.GOLDENS.resolve("lora-bias"));
    assertTrue(lm.loraLayers().get("model.layers.0.q").adapter("default").bBias().requiresGrad(), "B's bias trains");
    PeftAdapters.save(lm, "default", tmp);
    assertTrue(SafeTensors.readAll(tmp.resolve(PeftAdapters.WEIGHTS_FILE)).containsKey("base_model.model.model.layers.0.q.lora_B.bias"));
    TinyStack fresh = TinyStack.golden();
    PeftAdapters.fromPretrained(fresh, tmp);
    assertBitIdentical(run(m, g), run(fresh, g), "save -> load");
  }

  @Test
  void refusedWherePeftRefusesIt() {
    assertThrows(IllegalArgumentException.class, () -> LoraModel.inject(new TinyModel(1),
        LoraConfig.builder().targetModules("emb").loraBias(true).build()), "embeddings");
  }
}
