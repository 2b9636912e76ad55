package org.jlora.lora;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.jlora.autograd.optim.ParamGroup;
import org.junit.jupiter.api.Test;

/** LoRA+'s split of the trainable parameters, as PEFT's create_loraplus_optimizer makes it. */
class LoraPlusTest {
  @Test
  void bLearnsRatioTimesFasterAndEmbeddingsGetTheirOwnRate() {
    TinyModel m = new TinyModel(1);
    LoraModel lm = LoraModel.inject(m, LoraConfig.builder().r(2).targetModules("emb", "fc1", "c_proj")
        .bias(Bias.LORA_ONLY).build());
    List<ParamGroup> groups = LoraPlus.paramGroups(lm, 1e-3f, 16f, 0.1f, 1e-6f);
    assertEquals(4, groups.size());
    ParamGroup a = groups.get(0);
    ParamGroup emb = groups.get(1);
    ParamGroup b = groups.get(2);
    ParamGroup bias = groups.get(3);
    LoraLayer fc1 = lm.loraLayers().get("fc1");
    LoraLayer e = lm.loraLayers().get("emb");
    assertTrue(a.params().contains(fc1.adapter("default").a()) && a.lr() == 1e-3f && a.weightDecay() == 0.1f);
    assertTrue(b.params().contains(fc1.adapter("default").b()) && b.lr() == 16e-3f && b.weightDecay() == 0.1f);
    assertTrue(emb.params().containsAll(e.adapter("default").parameters()) && emb.lr() == 1e-6f);
    assertTrue(bias.params().contains(fc1.baseBias()) && bias.lr() == 16e-3f && bias.weightDecay() == 0f);
    long grouped = groups.stream().mapToLong(g -> g.params().size()).sum();
    assertEquals(m.parameters().stream().filter(p -> p.requiresGrad()).count(), grouped, "every trainable parameter once");
  }
}
