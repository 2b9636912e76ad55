package org.jlora.autograd.optim;

import java.util.Collection;
import java.util.List;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.Tensor;

/**
 * Stochastic gradient descent, PyTorch's rule: {@code d = g + wd·p}; with momentum,
 * {@code buf = d} on the first step and {@code buf = momentum·buf + (1 - dampening)·d} after,
 * {@code d = buf} (or {@code d + momentum·buf} with Nesterov); {@code p -= lr·d}.
 */
public final class SGD extends Optimizer {
  private final float momentum;
  private final float dampening;
  private final boolean nesterov;

  public SGD(List<ParamGroup> groups, float momentum, float dampening, boolean nesterov) {
    super(groups);
    if (momentum < 0) throw new IllegalArgumentException("SGD: momentum must be >= 0, got " + momentum);
    if (nesterov && (momentum == 0 || dampening != 0)) {
      throw new IllegalArgumentException("SGD: Nesterov needs momentum > 0 and zero dampening");
    }
    this.momentum = momentum;
    this.dampening = dampening;
    this.nesterov = nesterov;
  }

  /** One group: learning rate, momentum, weight decay. */
  public SGD(Collection<? extends Parameter> params, float lr, float momentum, float weightDecay) {
    this(List.of(new ParamGroup(params, lr, weightDecay)), momentum, 0f, false);
  }

  @Override
  protected float[][] newState(int size) {
    // [momentum buffer], plus a flag array telling whether it has been initialised
    return momentum == 0 ? new float[0][] : new float[][] {new float[size], new float[1]};
  }

  /** The momentum buffer and whether it has been started (none without momentum). */
  @Override
  protected List<String> stateSlots() {
    return momentum == 0 ? List.of() : List.of("momentum_buffer", "started");
  }

  @Override
  protected void update(Parameter p, float[][] state, ParamGroup group) {
    Backend be = Backends.current();
    Tensor pv = p.value();
    Tensor g = p.grad();
    Tensor d = Tensor.zeros(g.shape());
    be.elementwise().copy(g, d);
    if (gradScale() != null) be.elementwise().binary(BinaryOp.MUL, d, gradScale(), d);   // d = scale·g
    if (group.weightDecay() != 0) be.elementwise().axpy(group.weightDecay(), pv, d);   // d = g + wd·p
    if (momentum != 0) {
      Tensor buf = stateTensor(state[0]);
      if (state[1][0] == 0f) {
        be.elementwise().copy(d, buf);
        state[1][0] = 1f;
      } else {
        be.elementwise().scale(momentum, buf);
        be.elementwise().axpy(1f - dampening, d, buf);
      }
      if (nesterov) {
        be.elementwise().axpy(momentum, buf, d);
      } else {
        d = buf;
      }
    }
    be.elementwise().axpy(-group.lr(), d, pv);
  }
}
