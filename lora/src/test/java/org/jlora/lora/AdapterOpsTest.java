package org.jlora.lora;

import static org.jlora.lora.DoraTest.tensor;
import static org.jlora.lora.LoraTesting.assertClose;
import static org.jlora.lora.LoraTesting.maxRelDiff;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * Several adapters at once against PEFT 0.21 (ops.json, ops-a/, ops-b/ from make_peft_variant_goldens.py):
 * adapter a (r 2, alpha 4, q and v) and b (r 2, alpha 8, q and fc) with random A and B.
 */
class AdapterOpsTest {
  static final double TOL = 1e-5;

  static JsonNode golden() throws IOException {
    return new ObjectMapper().readTree(Files.readString(TinyStack.GOLDENS.resolve("ops.json")));
  }

  static Tensor run(TinyStack m, JsonNode g) {
    return m.forward(Variable.of(tensor(g.get("x")), false)).value().copy();
  }

  /** The golden model with PEFT's adapters a and b loaded, a active. */
  static LoraModel twoAdapters(TinyStack m) throws IOException {
    LoraModel lm = PeftAdapters.fromPretrained(m, TinyStack.GOLDENS.resolve("ops-a"));
    PeftAdapters.load(lm, TinyStack.GOLDENS.resolve("ops-b"), "b", true);
    // fromPretrained names its adapter "default"; PEFT's is "a"
    return lm;
  }

  @Test
  void eachAdapterAloneAndBothTogetherGivePeftsOutputs() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    LoraModel lm = twoAdapters(m);
    assertClose(tensor(g.get("a_out")), run(m, g), TOL, "adapter a");
    lm.setAdapter("b");
    assertClose(tensor(g.get("b_out")), run(m, g), TOL, "adapter b");
    lm.setAdapter(List.of("default", "b"));
    assertEquals(List.of("default", "b"), lm.activeAdapters());
    assertClose(tensor(g.get("both_out")), run(m, g), TOL, "set_adapter([a, b])");
    assertTrue(lm.loraLayers().get("model.layers.0.q").adapter("b").a().requiresGrad(), "both train");
    assertTrue(lm.loraLayers().get("model.layers.0.q").adapter("default").a().requiresGrad(), "both train");
  }

  @Test
  void mergingTwoActiveAdaptersThenUnmergingRestoresW() throws IOException {
    JsonNode g = golden();
    TinyStack m = TinyStack.golden();
    Tensor w0 = m.namedParameters().get("model.layers.1.q.weight").value().copy();
    LoraModel lm = twoAdapters(m);
    lm.setAdapter(List.of("default", "b"));
    lm.loraLayers().values().forEach(LoraLayer::merge);
    assertClose(tensor(g.get("both_out")), run(m, g), TOL, "both merged");
    lm.loraLayers().values().forEach(LoraLayer::unmerge);
    Tensor w = m.namedParameters().get("model.layers.1.q.weight").value();
    assertTrue(maxRelDiff(w, w0) < 1e-6, "W restored: " + maxRelDiff(w, w0));
  }
}
