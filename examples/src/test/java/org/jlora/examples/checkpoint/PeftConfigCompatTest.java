package org.jlora.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Tensor;
import org.jlora.lora.Bias;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * jlora's PEFT reader against adapters PEFT 0.21 itself wrote (resources/peft, made by
 * make_peft_goldens.py): the adapter_config.json PEFT writes by default is accepted and read
 * right; the tensor names and shapes follow {@code base_model.model.<module>.lora_A.weight}
 * [r, in] / {@code lora_B.weight} [out, r]; and loading an adapter into the base model's linear
 * layers and merging it gives the weights PEFT's {@code merge_and_unload} gave.
 *
 * <p>No Llama or GPT-2 forward is needed: a skeleton of the model's linear layers, named as in
 * Hugging Face and holding the base weights, is all that adapters touch.
 */
class PeftConfigCompatTest {
  private static final Pattern LORA_KEY = Pattern.compile("base_model\\.model\\.(.+)\\.lora_([AB])\\.weight");
  private static final List<String> ATTENTION = List.of("q_proj", "k_proj", "v_proj", "o_proj");
  private static final List<String> MLP = List.of("gate_proj", "up_proj", "down_proj");

  private static Path resource(String name) throws URISyntaxException {
    return Path.of(PeftConfigCompatTest.class.getResource("/peft/" + name).toURI());
  }

  @Test
  void readsTheLlamaAdapterConfig() throws Exception {
    LoraConfig cfg = PeftAdapters.readConfig(resource("llama-tiny-lora"));
    assertEquals(4, cfg.r());
    assertEquals(8f, cfg.loraAlpha());
    assertEquals(0f, cfg.loraDropout());
    // PEFT keeps target_modules as a set: the saved order is the set's, here v_proj first
    assertEquals(Set.of("q_proj", "v_proj"), Set.copyOf(cfg.targetModules()));
    assertNull(cfg.targetRegex());
    assertEquals(Bias.NONE, cfg.bias());
    assertFalse(cfg.fanInFanOut());
    assertFalse(cfg.useRslora());
    assertTrue(cfg.modulesToSave().isEmpty());
    assertTrue(cfg.rankPattern().isEmpty() && cfg.alphaPattern().isEmpty());
    assertEquals(2f, cfg.scalingFor("model.layers.0.self_attn.q_proj"));
  }

  @Test
  void readsTheGpt2AdapterConfigWithFanInFanOut() throws Exception {
    LoraConfig cfg = PeftAdapters.readConfig(resource("gpt2-tiny-lora"));
    assertEquals(List.of("c_attn"), cfg.targetModules());
    assertTrue(cfg.fanInFanOut(), "PEFT turns fan_in_fan_out on for GPT-2's Conv1D and saves it");
  }

  /** PEFT saves "all-linear" as the list of module paths it chose: every linear layer but lm_head. */
  @Test
  void allLinearIsSavedAsTheModulesItExpandedTo() throws Exception {
    LoraConfig cfg = PeftAdapters.readConfig(resource("llama-tiny-lora-all-linear"));
    assertEquals(2, cfg.r());
    Set<String> expected = new TreeSet<>();
    for (int layer = 0; layer < 2; layer++) {
      for (String p : ATTENTION) expected.add("model.layers." + layer + ".self_attn." + p);
      for (String p : MLP) expected.add("model.layers." + layer + ".mlp." + p);
    }
    assertEquals(expected, new TreeSet<>(cfg.targetModules()));
    assertFalse(cfg.matchesTarget("lm_head"));
    assertTrue(cfg.matchesTarget("model.layers.1.mlp.down_proj"));
  }

  @Test
  void tensorNamesAndShapesFollowPeftsLayout() throws Exception {
    checkLayout("llama-tiny", "llama-tiny-lora", 4, false);
    checkLayout("llama-tiny", "llama-tiny-lora-all-linear", 2, false);
    checkLayout("gpt2-tiny", "gpt2-tiny-lora", 4, true);
  }

  /** Every key is base_model.model.<module>.lora_A/B.weight; A [r, in] and B [out, r] fit the base weight. */
  private static void checkLayout(String model, String adapter, int r, boolean conv1d) throws Exception {
    Map<String, Tensor> tensors = SafeTensors.readAll(resource(adapter).resolve(PeftAdapters.WEIGHTS_FILE));
    LoraConfig cfg = PeftAdapters.readConfig(resource(adapter));
    try (HfDirectory base = HfDirectory.open(resource(model))) {
      for (var e : tensors.entrySet()) {
        Matcher m = LORA_KEY.matcher(e.getKey());
        assertTrue(m.matches(), adapter + ": unexpected key " + e.getKey());
        String module = m.group(1);
        assertTrue(cfg.matchesTarget(module), module);
        int[] w = base.shape(module + ".weight"); // Linear [out, in]; Conv1D [in, out]
        int in = conv1d ? w[0] : w[1];
        int out = conv1d ? w[1] : w[0];
        int[] expected = m.group(2).equals("A") ? new int[] {r, in} : new int[] {out, r};
        assertArrayEquals(expected, e.getValue().shape(), e.getKey());
      }
    }
  }

  @Test
  void loadingAndMergingTheLlamaAdapterGivesPeftsMergedWeights() throws Exception {
    checkMerge("llama-tiny", "llama-tiny-lora", false);
  }

  @Test
  void loadingAndMergingTheGpt2AdapterGivesPeftsMergedWeights() throws Exception {
    checkMerge("gpt2-tiny", "gpt2-tiny-lora", true);
  }

  /** The all-linear adapter loads strictly: every key finds its module, and lm_head is not adapted. */
  @Test
  void theAllLinearAdapterLoadsIntoEveryLinearButTheHead() throws Exception {
    try (HfDirectory base = HfDirectory.open(resource("llama-tiny"))) {
      LoraModel lm = PeftAdapters.fromPretrained(Skeleton.of(base, false), resource("llama-tiny-lora-all-linear"));
      assertEquals(14, lm.loraLayers().size());
      assertFalse(lm.loraLayers().containsKey("lm_head"));
    }
  }

  /**
   * PEFT -> jlora -> disk writes the tensors PEFT wrote, under the same keys (check_jlora_adapter.py
   * gave PEFT's own logits exactly for adapters re-saved this way).
   */
  @Test
  void resavingAPeftAdapterWritesTheSameTensors(@TempDir Path tmp) throws Exception {
    String[][] cases = {{"llama-tiny", "llama-tiny-lora", "false"}, {"llama-tiny", "llama-tiny-lora-all-linear", "false"},
        {"gpt2-tiny", "gpt2-tiny-lora", "true"}};
    for (String[] c : cases) {
      try (HfDirectory base = HfDirectory.open(resource(c[0]))) {
        LoraModel lm = PeftAdapters.fromPretrained(Skeleton.of(base, Boolean.parseBoolean(c[2])), resource(c[1]));
        Path out = tmp.resolve(c[1]);
        PeftAdapters.save(lm, "default", out);
        Map<String, Tensor> peft = SafeTensors.readAll(resource(c[1]).resolve(PeftAdapters.WEIGHTS_FILE));
        Map<String, Tensor> jlora = SafeTensors.readAll(out.resolve(PeftAdapters.WEIGHTS_FILE));
        assertEquals(new TreeSet<>(peft.keySet()), new TreeSet<>(jlora.keySet()), c[1]);
        peft.forEach((k, t) -> assertArrayEquals(t.data(), jlora.get(k).data(), k));
        LoraConfig again = PeftAdapters.readConfig(out);
        assertEquals(Set.copyOf(PeftAdapters.readConfig(resource(c[1])).targetModules()), Set.copyOf(again.targetModules()));
      }
    }
  }

  private static void checkMerge(String model, String adapter, boolean conv1d) throws Exception {
    Map<String, Tensor> expected = SafeTensors.readAll(resource(adapter + "-merged.safetensors"));
    try (HfDirectory base = HfDirectory.open(resource(model))) {
      LoraModel lm = PeftAdapters.fromPretrained(Skeleton.of(base, conv1d), resource(adapter)); // strict
      assertEquals(expected.size(), lm.loraLayers().size());
      Map<String, Parameter> merged = lm.mergeAndUnload().namedParameters();
      for (var e : expected.entrySet()) {
        float[] want = e.getValue().data();
        float[] got = merged.get(e.getKey()).value().data();
        float[] before = base.tensor(e.getKey()).data();
        float maxDelta = 0;
        for (int i = 0; i < want.length; i++) {
          maxDelta = Math.max(maxDelta, Math.abs(want[i] - before[i]));
          assertEquals(want[i], got[i], 1e-6f, e.getKey() + "[" + i + "]");
        }
        assertTrue(maxDelta > 1e-2f, e.getKey() + ": the adapter should change the weight");
      }
    }
  }

  /**
   * The linear layers of a Hugging Face model, nested and named as in the model, holding the base
   * weights; nothing else. GPT-2's Conv1D weights are kept [in, out] as stored.
   */
  private static final class Skeleton extends Module {
    private final Map<String, Skeleton> nodes = new HashMap<>();

    static Skeleton of(HfDirectory hf, boolean conv1d) throws IOException {
      Skeleton root = new Skeleton();
      for (String name : hf.tensorNames()) {
        if (!name.endsWith(".weight") || hf.shape(name).length != 2 || name.contains("embed") || name.contains("wte")
            || name.contains("wpe")) {
          continue;
        }
        String module = name.substring(0, name.length() - ".weight".length());
        String biasName = module + ".bias";
        Parameter bias = hf.contains(biasName) ? new Parameter(hf.tensor(biasName)) : null;
        root.add(module, new HfLinear(new Parameter(hf.tensor(name)), bias, conv1d && !module.equals("lm_head")));
      }
      return root;
    }

    private void add(String path, Linear layer) {
      int dot = path.indexOf('.');
      if (dot < 0) {
        registerModule(path, Linear.class, layer);
        return;
      }
      String head = path.substring(0, dot);
      Skeleton child = nodes.get(head);
      if (child == null) {
        child = new Skeleton();
        nodes.put(head, child);
        registerModule(head, Module.class, child);
      }
      child.add(path.substring(dot + 1), layer);
    }
  }

  private static final class HfLinear extends Linear {
    HfLinear(Parameter weight, Parameter bias, boolean fanInFanOut) {
      super(weight, bias, fanInFanOut);
    }
  }
}
