package org.jlora.autograd.optim;

import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
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
   * Each parameter's kernel hyper-parameters ({@link AdamHyper}), written by {@link #prepare}
   * every step: the step count t is kept per parameter, so the bias corrections may differ.
   */
  private final Map<Parameter, Tensor> hypers = new IdentityHashMap<>();

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

  /** Advances the parameter's step count and writes this step's scalars into its hyper tensor. */
  @Override
  protected void prepare(Parameter p, float[][] state, ParamGroup group) {
    int t = (int) ++state[2][0];
    float bc1 = (float) (1 - Math.pow(beta1, t));
    float bc2 = (float) (1 - Math.pow(beta2, t));
    float wd = decoupledWeightDecay ? group.weightDecay() : 0f;   // L2 decay is added to the gradient instead
    AdamHyper.write(hypers.computeIfAbsent(p, k -> AdamHyper.allocate()), group.lr(), beta1, beta2, eps, wd, bc1, bc2, 1f);
  }

  /**
   * One hyper tensor per parameter with state, created here when missing (a run resumed from saved
   * moments has state but no hyper tensor yet): a step that is recorded must know them all before
   * it starts, or they would be born inside it.
   */
  @Override
  public List<Tensor> perStepTensors() {
    List<Tensor> out = new java.util.ArrayList<>();
    for (Parameter p : statefulParameters()) out.add(hypers.computeIfAbsent(p, k -> AdamHyper.allocate()));
    return out;
  }

  @Override
  protected void update(Parameter p, float[][] state, ParamGroup group) {
    Backend be = Backends.current();
    Tensor pv = p.value();
    Tensor hyper = hypers.get(p);
    Tensor gradient = p.grad();
    Tensor scale = gradScale();
    float wd = group.weightDecay();
    if (!decoupledWeightDecay && wd != 0) {   // L2: the kernel sees scale·g + wd·p (the gradient itself is kept)
      gradient = Tensor.zeros(gradient.shape());
      be.elementwise().copy(p.grad(), gradient);
      if (scale != null) be.elementwise().binary(BinaryOp.MUL, gradient, scale, gradient);
      be.elementwise().axpy(wd, pv, gradient);
      scale = null;
    }
    // a clipping coefficient goes into the kernel's own factor, by a kernel: never read on the host
    if (scale != null) be.elementwise().copy(scale, hyper.window(AdamHyper.GRAD_SCALE, 1));
    be.optimizer().adamw(pv, gradient, stateTensor(state[0]), stateTensor(state[1]), hyper);
  }
}
