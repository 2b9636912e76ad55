package org.jlora.lora;

import static org.jlora.lora.DoraTest.tensor;
import static org.jlora.lora.LoraTesting.assertBitIdentical;
import static org.jlora.lora.LoraTesting.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The other direction: adapters jlora saves load into PEFT 0.21 with jlora's outputs. Each case below
 * builds its adapter deterministically; the committed copy (jlora-made/NAME/, written with
 * -Djlora.writeJloraGoldens=true) must equal what jlora writes now, and make_peft_variant_goldens.py
 * loaded it into PEFT and recorded PEFT's outputs (jlora-made.json).
 */
class JloraToPeftTest {
  private static final Path MADE = TinyStack.GOLDENS.resolve("jlora-made");

  @org.junit.jupiter.api.io.TempDir
  Path tmp;

  /** Builds case {@code name} on {@code m}, saves it into {@code dir}; the model then computes the adapter's outputs. */
  private static void build(String name, TinyStack m, Path dir) throws IOException {
    switch (name) {
      case "targeting" -> PeftAdapters.save(LoraModel.inject(m, LoraConfig.builder().r(2).loraAlpha(4)
          .targetModules("q", "v", "fc").excludeModules("model.layers.1.q").layersToTransform(0, 1).layersPattern("layers")
          .initLoraWeights(InitLoraWeights.RANDOM).seed(3).build()), "default", dir);
      case "lora-bias" -> PeftAdapters.save(LoraModel.inject(m, LoraConfig.builder().r(2).loraAlpha(4)
          .targetModules("q", "v").loraBias(true).initLoraWeights(InitLoraWeights.RANDOM).seed(4).build()), "default", dir);
      case "pissa-converted" -> {
        LoraModel lm = LoraModel.inject(m, LoraConfig.builder().r(2).loraAlpha(4).targetModules("q", "v")
            .initLoraWeights(InitLoraWeights.PISSA).build());
        lm.loraLayers().values().forEach(l -> {   // "training": move A and B away from their initial values
          Tensor a = l.adapter("default").a().value();
          for (int i = 0; i < a.size(); i++) a.set(i, a.get(i) + 0.01f * (i % 7 - 3));
        });
        PeftAdapters.saveAsPlainLora(lm, "default", dir);
      }
      case "weighted-cat" -> {
        LoraModel lm = AdapterOpsTest.twoAdapters(m);
        lm.addWeightedAdapter(List.of("a", "b"), List.of(0.7f, -0.5f), "w", WeightedMerge.of(WeightedMerge.Combination.CAT));
        lm.setAdapter("w");
        PeftAdapters.save(lm, "w", dir);
      }
      default -> throw new IllegalArgumentException(name);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"targeting", "lora-bias", "pissa-converted", "weighted-cat"})
  void peftLoadsJlorasAdapterWithJlorasOutputs(String name) throws IOException {
    TinyStack m = TinyStack.golden();
    if (Boolean.getBoolean("jlora.writeJloraGoldens")) build(name, TinyStack.golden(), MADE.resolve(name));
    build(name, m, tmp);
    Map<String, Tensor> now = SafeTensors.readAll(tmp.resolve(PeftAdapters.WEIGHTS_FILE));
    Map<String, Tensor> committed = SafeTensors.readAll(MADE.resolve(name).resolve(PeftAdapters.WEIGHTS_FILE));
    assertEquals(committed.keySet(), now.keySet());
    committed.forEach((k, t) -> assertBitIdentical(t, now.get(k), name + " " + k));
    JsonNode peft = new ObjectMapper().readTree(Files.readString(TinyStack.GOLDENS.resolve("jlora-made.json")));
    JsonNode x = new ObjectMapper().readTree(Files.readString(TinyStack.GOLDENS.resolve("dora.json"))).get("x");
    Tensor out = m.forward(Variable.of(tensor(x), false)).value();
    assertClose(tensor(peft.get(name)), out, 1e-5, name + ": jlora's outputs vs PEFT's with jlora's adapter");
  }
}
