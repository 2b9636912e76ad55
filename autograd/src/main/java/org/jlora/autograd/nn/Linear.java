package org.jlora.autograd.nn;

import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * {@code y = x·Wᵀ + b}, PyTorch's layout: weight [out, in], bias [out]; x [..., in] -> [..., out].
 * Not final: LoRA layers extend it and share its weight.
 */
public class Linear extends Module {
  private final Parameter weight;
  private final Parameter bias;
  private final boolean fanInFanOut;

  /** PyTorch's init: weight and bias from U(-1/sqrt(in), 1/sqrt(in)). */
  public Linear(int in, int out, boolean bias, Rng rng) {
    this(uniformParameter(rng, in, out, in), bias ? uniformParameter(rng, in, out) : null);
  }

  /**
   * Wraps existing parameters (no copy): how an injected layer shares the base weights, and how a
   * model is built on a checkpoint's tensors (a frozen weight may then be bf16).
   */
  public Linear(Parameter weight, Parameter biasOrNull) {
    this(weight, biasOrNull, false);
  }

  /**
   * Wraps existing parameters; with {@code fanInFanOut} the weight is stored {@code [in, out]}
   * (GPT-2's Conv1D layout, loralib's fan_in_fan_out) and the layer computes {@code x·W + b}.
   */
  protected Linear(Parameter weight, Parameter biasOrNull, boolean fanInFanOut) {
    if (weight == null || weight.value().rank() != 2) {
      throw new ShapeException("Linear: weight must be " + (fanInFanOut ? "[in, out]" : "[out, in]") + ", got "
          + (weight == null ? "null" : Shapes.str(weight.shape())));
    }
    this.fanInFanOut = fanInFanOut;
    int out = weight.value().dim(fanInFanOut ? 1 : 0);
    if (biasOrNull != null && (biasOrNull.value().rank() != 1 || biasOrNull.value().dim(0) != out)) {
      throw new ShapeException("Linear: bias " + Shapes.str(biasOrNull.shape()) + " does not match weight "
          + Shapes.str(weight.shape()));
    }
    this.weight = registerParameter("weight", weight);
    this.bias = registerParameter("bias", biasOrNull);
  }

  /** U(-1/sqrt(fanIn), 1/sqrt(fanIn)) of the given shape. */
  static Parameter uniformParameter(Rng rng, int fanIn, int... shape) {
    float bound = (float) (1.0 / Math.sqrt(fanIn));
    return new Parameter(Tensor.uniform(rng, -bound, bound, shape));
  }

  public Parameter weight() {
    return weight;
  }

  /** The bias, or null when the layer has none. */
  public Parameter bias() {
    return bias;
  }

  public int inFeatures() {
    return weight.value().dim(fanInFanOut ? 0 : 1);
  }

  public int outFeatures() {
    return weight.value().dim(fanInFanOut ? 1 : 0);
  }

  /** Whether the weight is stored {@code [in, out]} rather than {@code [out, in]}. */
  public boolean fanInFanOut() {
    return fanInFanOut;
  }

  /** x [..., in] -> [..., out]. */
  @Override
  public Variable forward(Variable x) {
    if (!fanInFanOut) return F.linear(x, weight, bias);
    // x: [..., in], W: [in, out] -> x·W + b: [..., out]
    int[] shape = x.shape();
    shape[shape.length - 1] = outFeatures();
    Variable y = F.matmul(F.reshape(x, -1, inFeatures()), false, weight, false);
    return F.reshape(bias == null ? y : F.add(y, bias), shape);
  }

  @Override
  public String toString() {
    return "Linear(" + inFeatures() + " -> " + outFeatures() + (bias == null ? ", no bias)" : ")");
  }
}
