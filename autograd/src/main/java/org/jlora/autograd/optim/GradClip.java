package org.jlora.autograd.optim;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.Tensor;

/**
 * Global gradient-norm clipping, PyTorch's {@code clip_grad_norm_}, as kernels: the sum of squares
 * of every gradient ({@code sumOfSquares}) and the clipping coefficient ({@code clipCoefficient})
 * stay in one-element tensors, so a step clips without reading anything on the host. The
 * coefficient is either handed to the optimizer ({@link Optimizer#scaleGradientsBy}: AdamW
 * multiplies as it reads each gradient, no extra pass) or multiplied into the gradients
 * ({@link #clipGradNorm}).
 *
 * <p>The sum runs in double but is stored as a float, so the norm and the coefficient may differ
 * from an all-double computation in their last float bit.
 */
public final class GradClip {
  private GradClip() {}

  /**
   * Scales every gradient by {@code maxNorm / (norm + 1e-6)} when that is below 1, where norm is
   * the 2-norm of all gradients taken together; parameters without a gradient are skipped.
   * Returns the norm before clipping (read on the host once the kernels are done).
   */
  public static float clipGradNorm(Collection<? extends Parameter> params, float maxNorm) {
    Tensor norm = Tensor.zeros(1);
    Tensor coef = Tensor.zeros(1);
    clipCoefficient(params, maxNorm, norm, coef);
    Backend be = Backends.current();
    for (Tensor g : gradients(params)) be.elementwise().binary(BinaryOp.MUL, g, coef, g);   // g *= coef[0]
    return norm.item();
  }

  /**
   * The kernel half of clipping: {@code norm[0]} = the 2-norm of every gradient taken together,
   * {@code coef[0] = min(1, maxNorm / (norm + 1e-6))} (NaN for a NaN or infinite norm, which makes AdamW skip, and 1 for
   * {@code maxNorm} infinite: the norm alone). coef may be the tensor an optimizer scales its
   * gradients by ({@link Optimizer#scaleGradientsBy}).
   */
  // params' gradients: any shapes -> norm, coef: [1]
  public static void clipCoefficient(Collection<? extends Parameter> params, float maxNorm, Tensor norm, Tensor coef) {
    Backend be = Backends.current();
    Tensor sumSquares = Tensor.zeros(1);
    be.reductions().sumOfSquares(gradients(params), sumSquares);
    be.optimizer().clipCoefficient(sumSquares, maxNorm, norm, coef);
  }

  private static List<Tensor> gradients(Collection<? extends Parameter> params) {
    List<Tensor> grads = new ArrayList<>();
    for (Parameter p : params) {
      if (p.grad() != null) grads.add(p.grad());
    }
    return grads;
  }
}
