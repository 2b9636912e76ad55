package org.jlora.autograd.optim;

import java.util.Collection;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Backends;
import org.jlora.engine.Tensor;

/** Global gradient-norm clipping, PyTorch's {@code clip_grad_norm_}. */
public final class GradClip {
  private GradClip() {}

  /**
   * The 2-norm of all gradients taken together; when it exceeds {@code maxNorm} every gradient
   * is scaled by {@code maxNorm / (norm + 1e-6)}. Parameters without a gradient are skipped.
   * Returns the norm before clipping.
   */
  public static float clipGradNorm(Collection<? extends Parameter> params, float maxNorm) {
    double norm = globalNorm(params);
    clipToNorm(params, norm, maxNorm);
    return (float) norm;
  }

  /**
   * The 2-norm of all gradients taken together. The sum of squares runs in double, in parameter
   * order, so it is the same number for any thread count; it is finite exactly when every gradient
   * is (the square of the largest float, times any array count, stays far below double's range),
   * which makes it a one-pass check for NaN and infinity too.
   */
  public static double globalNorm(Collection<? extends Parameter> params) {
    double sumSquares = 0;
    for (Parameter p : params) {
      Tensor g = p.grad();
      if (g == null) continue;
      float[] d = g.data();
      for (int i = g.offset(), end = g.offset() + g.size(); i < end; i++) sumSquares += (double) d[i] * d[i];
    }
    return Math.sqrt(sumSquares);
  }

  /** Scales every gradient by {@code maxNorm / (norm + 1e-6)} when that is below 1; {@code norm} from {@link #globalNorm}. */
  public static void clipToNorm(Collection<? extends Parameter> params, double norm, float maxNorm) {
    double coef = maxNorm / (norm + 1e-6);
    if (coef < 1) {
      for (Parameter p : params) {
        Tensor g = p.grad();
        if (g != null) Backends.current().elementwise().scale((float) coef, g);
      }
    }
  }
}
