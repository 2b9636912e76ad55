package org.jlora.lora;

import org.jlora.autograd.Parameter;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;

/**
 * Initial values of A and B, as loralib and PEFT set them. For the default and Gaussian modes
 * one of the two is zero, so ΔW = B·A = 0 and the adapted model starts exactly at the base model.
 */
final class LoraInit {
  private LoraInit() {}

  /**
   * kaiming_uniform_(a = sqrt 5), what nn.Linear and loralib use: gain = sqrt(2 / (1 + a²)) =
   * sqrt(1/3), bound = gain · sqrt(3 / fanIn) = 1 / sqrt(fanIn).
   */
  static Tensor kaimingUniform(Rng rng, int fanIn, int... shape) {
    float bound = (float) (1 / Math.sqrt(fanIn));
    return Tensor.uniform(rng, -bound, bound, shape);
  }

  /** A for the "down" projection (Linear, Conv2d, MergedLinear): fan-in = {@code fanIn}. */
  static Parameter downA(AdapterSpec spec, int fanIn, int... shape) {
    return new Parameter(switch (spec.init()) {
      case DEFAULT, RANDOM -> kaimingUniform(spec.rng(), fanIn, shape);
      case GAUSSIAN -> Tensor.randn(spec.rng(), 0f, 1f / spec.r(), shape);
      // these need the base weight: the layer computes them (DecompositionInit); refused elsewhere
      case PISSA, OLORA, ORTHOGONAL -> throw new IllegalStateException("init " + spec.init() + " is the layer's job");
    });
  }

  /** B for the "up" projection: zeros, except RANDOM (nn.Linear's init with fan-in r). */
  static Parameter upB(AdapterSpec spec, int fanIn, int... shape) {
    return new Parameter(spec.init() == InitLoraWeights.RANDOM
        ? kaimingUniform(spec.rng(), fanIn, shape) : Tensor.zeros(shape));
  }
}
