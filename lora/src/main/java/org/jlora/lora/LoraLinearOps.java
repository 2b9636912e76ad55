package org.jlora.lora;

import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Linear;

/** The pieces {@link LoraLinear} and {@link MergedLinear} share: the fan_in_fan_out base forward and unloading. */
final class LoraLinearOps {
  private LoraLinearOps() {}

  /** {@code y = x·W + b} for a weight stored {@code [in, out]} (GPT-2's Conv1D layout). */
  static Variable fanInFanOutForward(Variable x, Parameter weight, Parameter bias, int in, int out) {
    // x: [..., in], W: [in, out] -> [..., out]
    int[] shape = x.shape();
    shape[shape.length - 1] = out;
    Variable y = F.matmul(F.reshape(x, -1, in), false, weight, false);
    if (bias != null) y = F.add(y, bias);
    return F.reshape(y, shape);
  }

  /** A plain nn.Linear over the (possibly merged) weight; a [in, out] weight is transposed to [out, in]. */
  static Linear plainLinear(Parameter weight, Parameter bias, boolean fanInFanOut) {
    Parameter w = fanInFanOut
        ? new Parameter(LoraTensors.transpose(weight.value()), weight.requiresGrad()) : weight;
    return new PlainLinear(w, bias);
  }

  /** nn.Linear over given parameters (its protected sharing constructor, made reachable). */
  static final class PlainLinear extends Linear {
    PlainLinear(Parameter weight, Parameter bias) {
      super(weight, bias);
    }
  }
}
