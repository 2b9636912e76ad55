package org.jlora.examples.gpt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The GPT against PyTorch: weights, one batch, logits, loss and every parameter gradient come
 * from examples/src/test/python/make_gpt_golden.py (vocab 20, block 16, 2 layers, 4 heads, 32 dims,
 * batch 2, some targets ignored).
 *
 * <p>Bound: per tensor, max |java - torch| <= 1e-4 · max |torch|. Both sides compute in float32
 * with different summation orders; relative to the tensor's scale, not per element, because
 * gradients have entries near zero whose own relative error is meaningless.
 */
class GptGoldenTest {
  static final double TOL = 1e-4;
  static Map<String, Tensor> golden;
  static Gpt model;

  @BeforeAll
  static void load() throws Exception {
    Path file = Path.of(GptGoldenTest.class.getResource("/gpt/golden.safetensors").toURI());
    golden = SafeTensors.readAll(file);
    model = new Gpt(new GptConfig(20, 16, 2, 4, 32, 0f), 1L);
    Map<String, Tensor> weights = new LinkedHashMap<>();
    for (String name : model.namedParameters().keySet()) weights.put(name, golden.get(name));
    model.loadStateDict(weights, true);
  }

  static int[] ids(String key) {
    float[] f = golden.get(key).toArray();
    int[] out = new int[f.length];
    for (int i = 0; i < f.length; i++) out[i] = Math.round(f[i]);
    return out;
  }

  static void assertClose(String what, Tensor expected, Tensor actual) {
    assertNotNull(actual, what + ": no value");
    assertArrayEquals(expected.shape(), actual.shape(), what + ": shape");
    double maxRef = 0;
    double maxDiff = 0;
    int worst = 0;
    for (int i = 0; i < expected.size(); i++) {
      maxRef = Math.max(maxRef, Math.abs(expected.get(i)));
      double d = Math.abs(expected.get(i) - actual.get(i));
      if (d > maxDiff) {
        maxDiff = d;
        worst = i;
      }
    }
    assertTrue(maxDiff <= TOL * maxRef, what + ": max |diff| " + maxDiff + " at " + worst + " (torch "
        + expected.get(worst) + ", java " + actual.get(worst) + ") exceeds " + TOL + " x max |torch| " + maxRef);
  }

  @Test
  void parameterNamesAreGpt2s() {
    assertEquals(golden.keySet().stream().filter(k -> !k.contains(".") || !(k.startsWith("batch.")
        || k.startsWith("out.") || k.startsWith("grad."))).toList(), model.namedParameters().keySet().stream().toList());
  }

  @Test
  void logitsLossAndEveryGradientMatchPyTorch() {
    int[] x = ids("batch.ids");
    int[] y = ids("batch.targets");
    model.zeroGrad();
    Variable logits = model.forward(x, 2, 16);
    assertClose("logits", golden.get("out.logits"), logits.value());
    Variable loss = model.loss(x, y, 2, 16);
    assertClose("loss", golden.get("out.loss"), loss.value().reshape(1));
    loss.backward();
    int checked = 0;
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      assertClose("grad of " + e.getKey(), golden.get("grad." + e.getKey()), e.getValue().grad());
      checked++;
    }
    assertEquals(2 + 2 * 12 + 2 + 1, checked, "every parameter of a 2-layer GPT");
  }
}
