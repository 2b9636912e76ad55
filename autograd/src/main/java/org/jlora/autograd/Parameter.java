package org.jlora.autograd;

import org.jlora.engine.Tensor;

/** A trainable leaf {@link Variable}: a module's weight or bias. Requires a gradient by default. */
public class Parameter extends Variable {
  /** Wraps {@code value} (no copy) as a parameter that requires a gradient. */
  public Parameter(Tensor value) {
    super(value, true);
  }

  /** Wraps {@code value} (no copy); {@code requiresGrad = false} makes it frozen. */
  public Parameter(Tensor value, boolean requiresGrad) {
    super(value, requiresGrad);
  }
}
