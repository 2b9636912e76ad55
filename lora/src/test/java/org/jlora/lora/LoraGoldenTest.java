package org.jlora.lora;

import static org.jlora.lora.LoraTesting.assertClose;
import static org.jlora.lora.LoraTesting.weightedSum;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import java.io.IOException;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Conv2d;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.SafeTensors;
import org.jlora.lora.io.SafeTensorsFile;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Outputs and gradients against PyTorch reimplementations of loralib's four layers and PEFT's
 * conv (lora/src/test/python/make_lora_golden.py wrote the resources): weights, A, B and the input
 * come from the file, and out, dL/dA, dL/dB, dL/dx for L = sum(out · R) must match within 1e-5.
 */
class LoraGoldenTest {
  private static final double TOL = 1e-5;

  private record Golden(Map<String, Tensor> t, Map<String, String> meta) {
    Tensor get(String key) {
      Tensor v = t.get(key);
      assertNotNull(v, "golden file lacks " + key);
      return v;
    }

    int intMeta(String key) {
      return Integer.parseInt(meta.get(key));
    }

    boolean boolMeta(String key) {
      return Boolean.parseBoolean(meta.get(key).toLowerCase());
    }
  }

  private static Golden read(String name) throws IOException, URISyntaxException {
    URL url = LoraGoldenTest.class.getResource("/golden/" + name + ".safetensors");
    assertNotNull(url, "missing resource golden/" + name + ".safetensors (run make_lora_golden.py)");
    try (SafeTensorsFile f = SafeTensors.open(Path.of(url.toURI()))) {
      Map<String, Tensor> t = new LinkedHashMap<>();
      for (String n : f.names()) t.put(n, f.tensor(n));
      return new Golden(t, f.metadata());
    }
  }

  /** Builds the layer for a golden case, its adapter set to the file's A and B. */
  private static Module layerFor(String name, Golden g) {
    int r = g.intMeta("r");
    float alpha = g.intMeta("lora_alpha");
    Parameter w = new Parameter(g.get("weight").copy());
    Parameter b = g.t().containsKey("bias") ? new Parameter(g.get("bias").copy()) : null;
    Module layer;
    if (name.startsWith("linear")) {
      layer = new LoraLinear(w, b, g.boolMeta("fan_in_fan_out"), false);
    } else if (name.startsWith("merged_linear")) {
      layer = new MergedLinear(w, b, new boolean[] {true, false, true}, g.boolMeta("fan_in_fan_out"), false);
    } else if (name.equals("embedding")) {
      layer = new LoraEmbedding(w, false);
    } else {
      int[] s = w.shape();   // [out, in/groups, kh, kw]
      int groups = g.intMeta("groups");
      Conv2d base = new Conv2d(s[1] * groups, s[0], s[2], s[3], g.intMeta("stride"), g.intMeta("padding"),
          g.intMeta("dilation"), groups, true, new Rng(0));
      base.weight().value().copyFrom(w.value());
      base.bias().value().copyFrom(b.value());
      layer = name.equals("conv_loralib") ? LoraConv2d.loralib(base, false) : LoraConv2d.factorized(base, false);
    }
    LoraAdapter ad = ((LoraLayer) layer).addAdapter(
        new AdapterSpec("default", r, alpha, alpha / r, 0f, InitLoraWeights.RANDOM, new Rng(1)));
    LoraLayer.copyChecked(g.get("lora_A"), ad.a().value(), name + " lora_A");
    LoraLayer.copyChecked(g.get("lora_B"), ad.b().value(), name + " lora_B");
    Lora.markOnlyLoraAsTrainable(layer, Bias.NONE);
    return layer;
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"linear", "linear_fifo", "merged_linear", "merged_linear_fifo", "embedding",
      "conv_loralib", "conv_factorized", "conv_factorized_groups"})
  void matchesPyTorch(String name) throws Exception {
    Golden g = read(name);
    Module layer = layerFor(name, g);
    LoraAdapter ad = ((LoraLayer) layer).adapter("default");
    Variable x = null;
    Variable out;
    if (layer instanceof LoraEmbedding emb) {
      Tensor idsF = g.get("x");
      int[] ids = new int[idsF.size()];
      for (int i = 0; i < ids.length; i++) ids[i] = Math.round(idsF.get(i));
      out = emb.forward(ids, idsF.shape());
    } else {
      x = Variable.of(g.get("x").copy(), true);
      out = layer.forward(x);
    }
    assertClose(g.get("out"), out.value(), TOL, name + " out");
    weightedSum(out, g.get("loss_weights")).backward();
    assertClose(g.get("grad_lora_A"), ad.a().grad(), TOL, name + " dL/dA");
    assertClose(g.get("grad_lora_B"), ad.b().grad(), TOL, name + " dL/dB");
    if (x != null) assertClose(g.get("grad_x"), x.grad(), TOL, name + " dL/dx");

    // and merged: the plain layer over W + ΔW gives the same output
    ((LoraLayer) layer).merge();
    Variable merged = layer instanceof LoraEmbedding emb ? emb.forward(toIds(g.get("x")), g.get("x").shape())
        : layer.forward(Variable.of(g.get("x"), false));
    assertClose(g.get("out"), merged.value(), TOL, name + " merged out");
  }

  private static int[] toIds(Tensor t) {
    int[] ids = new int[t.size()];
    for (int i = 0; i < ids.length; i++) ids[i] = Math.round(t.get(i));
    return ids;
  }
}
