package org.jlora.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

/** Which modules a config adapts: PEFT 0.21's choices (targeting.json) and the rules one by one. */
class ModuleMatcherTest {
  @Test
  void adaptsTheModulesPeftAdapts() throws IOException {
    JsonNode golden = new ObjectMapper().readTree(Files.readString(TinyStack.GOLDENS.resolve("targeting.json")));
    for (JsonNode c : golden.get("cases")) {
      LoraConfig cfg = LoraConfig.fromPeftJson(c.get("config").toString(), "targeting.json");
      List<String> expected = new ArrayList<>();
      c.get("adapted").forEach(n -> expected.add(n.asText()));
      LoraModel lm = LoraModel.inject(TinyStack.golden(), cfg);
      assertEquals(expected, List.copyOf(new TreeSet<>(lm.loraLayers().keySet())), c.get("config").toString());
    }
  }

  @Test
  void excludeWinsAndModulesToSaveAreNeverTargets() {
    ModuleMatcher m = LoraConfig.builder().targetModules("q", "head").excludeModules("layers.1.q")
        .modulesToSave("head").build().matcher();
    assertTrue(m.isTarget("model.layers.0.q"));
    assertFalse(m.isTarget("model.layers.1.q"), "excluded by suffix");
    assertFalse(m.isTarget("head"), "a saved module gets no adapter");
    assertTrue(m.isInsideModuleToSave("head"));
    assertTrue(m.isInsideModuleToSave("head.inner"));
    assertFalse(m.isInsideModuleToSave("lm_head"), "a dot boundary, not a substring");
  }

  @Test
  void layerIndexIsTheFirstNumberedSegment() {
    ModuleMatcher any = LoraConfig.builder().targetModules("q").layersToTransform(1).build().matcher();
    assertEquals(1, any.layerIndex("model.layers.1.experts.0.q"));
    assertEquals(-1, any.layerIndex("layers.1.q"), "PEFT's default pattern needs a segment before the list name");
    ModuleMatcher named = LoraConfig.builder().targetModules("q").layersToTransform(1).layersPattern("h").build().matcher();
    assertEquals(1, named.layerIndex("h.1.attn.q"));
    assertEquals(-1, named.layerIndex("model.layers.1.q"));
  }
}
