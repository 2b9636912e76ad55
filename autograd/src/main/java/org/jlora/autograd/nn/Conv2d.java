package org.jlora.autograd.nn;

import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;

/**
 * 2-d convolution, PyTorch's layout: weight [out, in/groups, kh, kw], bias [out];
 * x [N, in, H, W] -> [N, out, OH, OW]. Not final: LoRA extends it.
 */
public class Conv2d extends Module {
  private final Parameter weight;
  private final Parameter bias;
  private final int stride;
  private final int padding;
  private final int dilation;
  private final int groups;

  /** PyTorch's init: weight and bias from U(-1/sqrt(fanIn), 1/sqrt(fanIn)), fanIn = in/groups·kh·kw. */
  public Conv2d(int in, int out, int kh, int kw, int stride, int padding, int dilation, int groups,
                boolean bias, Rng rng) {
    this(checkedWeight(in, out, kh, kw, groups, rng), bias ? Linear.uniformParameter(rng, in / groups * kh * kw, out)
        : null, stride, padding, dilation, groups);
  }

  private static Parameter checkedWeight(int in, int out, int kh, int kw, int groups, Rng rng) {
    if (groups < 1 || in % groups != 0 || out % groups != 0) {
      throw new IllegalArgumentException("Conv2d: in " + in + " and out " + out + " must divide by groups " + groups);
    }
    return Linear.uniformParameter(rng, in / groups * kh * kw, out, in / groups, kh, kw);
  }

  /** Wraps existing parameters (no copy). */
  protected Conv2d(Parameter weight, Parameter biasOrNull, int stride, int padding, int dilation, int groups) {
    if (weight == null || weight.value().rank() != 4) {
      throw new ShapeException("Conv2d: weight must be [out, in/groups, kh, kw], got "
          + (weight == null ? "null" : Shapes.str(weight.shape())));
    }
    if (stride < 1 || dilation < 1 || padding < 0 || groups < 1) {
      throw new IllegalArgumentException("Conv2d: stride " + stride + ", dilation " + dilation + " must be >= 1, "
          + "padding " + padding + " >= 0, groups " + groups + " >= 1");
    }
    this.weight = registerParameter("weight", weight);
    this.bias = registerParameter("bias", biasOrNull);
    this.stride = stride;
    this.padding = padding;
    this.dilation = dilation;
    this.groups = groups;
  }

  public Parameter weight() { return weight; }

  /** The bias, or null. */
  public Parameter bias() { return bias; }

  public int inChannels() { return weight.value().dim(1) * groups; }

  public int outChannels() { return weight.value().dim(0); }

  public int kernelH() { return weight.value().dim(2); }

  public int kernelW() { return weight.value().dim(3); }

  public int stride() { return stride; }

  public int padding() { return padding; }

  public int dilation() { return dilation; }

  public int groups() { return groups; }

  /** x [N, in, H, W] -> [N, out, OH, OW]. */
  @Override
  public Variable forward(Variable x) {
    return F.conv2d(x, weight, bias, stride, stride, padding, padding, dilation, dilation, groups);
  }
}
