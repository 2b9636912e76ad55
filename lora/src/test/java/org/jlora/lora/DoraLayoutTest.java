package org.jlora.lora;

import static org.jlora.lora.LoraTesting.assertClose;
import static org.jlora.lora.LoraTesting.weightedSum;

import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.nn.Sequential;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.junit.jupiter.api.Test;

/**
 * DoRA on a weight stored [in, out] (GPT-2's Conv1D, fan_in_fan_out) computes what it computes on the
 * same weight stored [out, in]: the norm runs over the input dimension in both layouts.
 */
class DoraLayoutTest {
  @Test
  void transposedStorageGivesTheSameOutputsGradientsAndMerge() {
    Linear plain = new Linear(8, 6, true, new Rng(1));
    Tensor wt = LoraTensors.transpose(plain.weight().value());
    Linear conv1d = new LoraLinear.PlainLinear(new Parameter(wt), new Parameter(plain.bias().value().copy()), true);
    Module a = new Sequential(plain);
    Module b = new Sequential(conv1d);
    LoraConfig cfg = LoraConfig.builder().r(2).loraAlpha(4).targetModules("0").useDora(true)
        .initLoraWeights(InitLoraWeights.RANDOM).seed(5).build();
    LoraModel la = LoraModel.inject(a, cfg);
    LoraModel lb = LoraModel.inject(b, cfg);
    for (LoraModel lm : new LoraModel[] {la, lb}) {   // magnitude != norm, the same in both
      Tensor m = lm.loraLayers().get("0").adapter("default").magnitude().value();
      for (int i = 0; i < m.size(); i++) m.set(i, m.get(i) * (1 + 0.1f * i));
    }
    Variable x = Variable.of(Tensor.randn(new Rng(2), 3, 8), false);
    Tensor w = Tensor.randn(new Rng(3), 3, 6);
    Variable ya = a.forward(x);
    Variable yb = b.forward(x);
    assertClose(ya.value(), yb.value(), 1e-6, "outputs");
    weightedSum(ya, w).backward();
    weightedSum(yb, w).backward();
    LoraAdapter da = la.loraLayers().get("0").adapter("default");
    LoraAdapter db = lb.loraLayers().get("0").adapter("default");
    assertClose(da.a().grad(), db.a().grad(), 1e-6, "dA");
    assertClose(da.b().grad(), db.b().grad(), 1e-6, "dB");
    assertClose(da.magnitude().grad(), db.magnitude().grad(), 1e-6, "dm");
    la.loraLayers().get("0").merge();
    lb.loraLayers().get("0").merge();
    assertClose(ya.value(), a.forward(x).value(), 1e-5, "merged, [out, in]");
    assertClose(yb.value(), b.forward(x).value(), 1e-5, "merged, [in, out]");
  }
}
