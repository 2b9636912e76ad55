package org.jlora.autograd.optim;

import java.util.Collection;
import java.util.List;
import org.jlora.autograd.Parameter;
import org.jlora.engine.AdamHyper;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.Tensor;

/**
 * Adam, PyTorch's rule, weight decay as an L2 term added to the gradient ({@code g + wd·p}):
 * {@code m = b1·m + (1-b1)·g; v = b2·v + (1-b2)·g²;
 * p -= lr·(m/(1-b1^t)) / (sqrt(v/(1-b2^t)) + eps)}, t counted per parameter.
 * {@link AdamW} decays the weights directly instead.
 */
public class Adam extends Optimizer {
  private final float beta1;
  private final float beta2;
  private final float eps;
  private final boolean decoupledWeightDecay;
  /**
   * The kernel's hyper-parameters ({@link AdamHyper}), rewritten before each parameter's update:
   * the step count t is kept per parameter, so the bias corrections may differ between them.
   */
  private final Tensor hyper = AdamHyper.allocate();

  public Adam(List<ParamGroup> groups, float beta1, float beta2, float eps) {
    this(groups, beta1, beta2, eps, false);
  }

  /** One group, betas (0.9, 0.999), eps 1e-8, no weight decay. */
  public Adam(Collection<? extends Parameter> params, float lr) {
    this(List.of(new ParamGroup(params, lr, 0f)), 0.9f, 0.999f, 1e-8f, false);
  }

  protected Adam(List<ParamGroup> groups, float beta1, float beta2, float eps, boolean decoupledWeightDecay) {
    super(groups);
    if (!(beta1 >= 0 && beta1 < 1 && beta2 >= 0 && beta2 < 1 && eps >= 0)) {
      throw new IllegalArgumentException(getClass().getSimpleName() + ": betas must be in [0, 1) and eps >= 0, got "
          + beta1 + ", " + beta2 + ", " + eps);
    }
    this.beta1 = beta1;
    this.beta2 = beta2;
    this.eps = eps;
    this.decoupledWeightDecay = decoupledWeightDecay;
  }

  @Override
  protected float[][] newState(int size) {
    return new float[][] {new float[size], new float[size], new float[1]};   // m, v, step count
  }

  /** m (first moment), v (second moment), t (this parameter's step count, as a float). */
  @Override
  protected List<String> stateSlots() {
    return List.of("m", "v", "t");
  }

  @Override
  protected void update(Parameter p, float[][] state, ParamGroup group) {
    Backend be = Backends.current();
    Tensor pv = p.value();
    Tensor g = p.grad();
    int n = pv.size();
    int t = (int) ++state[2][0];
    float bc1 = (float) (1 - Math.pow(beta1, t));
    float bc2 = (float) (1 - Math.pow(beta2, t));
    Tensor gradient = g;
    Tensor scale = gradScale();
    float wd = group.weightDecay();
    if (!decoupledWeightDecay && wd != 0) {   // L2: the kernel sees scale·g + wd·p (the gradient itself is kept)
      gradient = Tensor.zeros(g.shape());
      be.elementwise().copy(g, gradient);
      if (scale != null) be.elementwise().binary(BinaryOp.MUL, gradient, scale, gradient);
      be.elementwise().axpy(wd, pv, gradient);
      wd = 0;
      scale = null;
    }
    AdamHyper.write(hyper, group.lr(), beta1, beta2, eps, wd, bc1, bc2, 1f);
    // a clipping coefficient goes into the kernel's own factor, by a kernel: never read on the host
    if (scale != null) be.elementwise().copy(scale, hyper.window(AdamHyper.GRAD_SCALE, 1));
    be.optimizer().adamw(pv, gradient, Tensor.of(state[0], n), Tensor.of(state[1], n), hyper);
  }
}
