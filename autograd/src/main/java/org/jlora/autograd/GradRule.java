package org.jlora.autograd;

import org.jlora.engine.Tensor;

/**
 * The backward half of one op: given the gradient of the op's output, add the gradients of its
 * inputs into their buffers ({@link Variable#accumulateGrad}, {@link Variable#gradBuffer}).
 *
 * <p>A rule captures what it needs from the forward (inputs, saved statistics) and must skip
 * every input for which {@link Variable#requiresGrad()} is false: that is what makes frozen
 * weights cost nothing in backward.
 *
 * <p>The output's gradient is spent once its rule has run ({@link Variable#backward} drops it),
 * so a rule may hand {@code gradOutput} itself to one input with
 * {@link Variable#accumulateOwnedGrad} instead of copying it (the identity-like rules: add,
 * reshape); any other input must read it before that one input's buffer can change.
 */
@FunctionalInterface
public interface GradRule {
  /** Accumulates the input gradients; {@code gradOutput} has the op output's shape. */
  void backward(Tensor gradOutput);
}
