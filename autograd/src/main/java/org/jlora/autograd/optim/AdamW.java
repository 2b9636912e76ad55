package org.jlora.autograd.optim;

import java.util.Collection;
import java.util.List;
import org.jlora.autograd.Parameter;

/**
 * AdamW (Loshchilov and Hutter), PyTorch's rule: decoupled weight decay {@code p -= lr·wd·p}
 * before the bias-corrected Adam update. One engine kernel ({@code OptimizerKernels.adamw}) per parameter.
 */
public final class AdamW extends Adam {
  public AdamW(List<ParamGroup> groups, float beta1, float beta2, float eps) {
    super(groups, beta1, beta2, eps, true);
  }

  /** One group, betas (0.9, 0.999), eps 1e-8. */
  public AdamW(Collection<? extends Parameter> params, float lr, float weightDecay) {
    this(List.of(new ParamGroup(params, lr, weightDecay)), 0.9f, 0.999f, 1e-8f);
  }
}
