package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * RMSNorm over the last axis (Llama's): {@code y = x · r · w} with {@code r = 1/sqrt(mean(x²) + eps)}.
 * No mean is subtracted and there is no bias. The order is Hugging Face's LlamaRMSNorm and
 * llama2.c's: normalise first (in float32), then multiply by the weight.
 *
 * <p>Backward, per row of C elements, with {@code gw = g ∘ w}:
 *
 * <pre>
 *   dx = r · gw - x · r³ · sum(gw ∘ x) / C
 *   dw = sum over rows of g ∘ x · r
 * </pre>
 *
 * Both directions are one kernel of the rows family ({@code rmsNorm}, {@code rmsNormBackward});
 * the per-row r stays in a tensor between them.
 */
public final class RmsNormOps {
  private RmsNormOps() {}

  /** x [..., C], weight [C] -> y [..., C]. */
  public static Variable rmsNorm(Variable x, Variable weight, float eps) {
    Backend be = Backends.current();
    Tensor xv = x.value();
    int cols = xv.lastDim();
    int rows = xv.rowCount();
    Tensor wv = weight.value();
    if (wv.rank() != 1 || wv.dim(0) != cols) {
      throw new ShapeException("rmsNorm: weight " + Shapes.str(wv.shape()) + " does not match input "
          + Shapes.str(xv.shape()) + " (expected [" + cols + "])");
    }
    Tensor y = Tensor.zeros(xv.shape());
    Tensor rstd = Tensor.zeros(rows);   // 1/rms per row, kept for backward
    // x: [rows, C], w: [C] -> y: [rows, C], rstd: [rows]
    be.rows().rmsNorm(rows, cols, xv, wv, eps, y, rstd);
    return Variable.fromOp("rms_norm", y, g -> {
      // only the gradients asked for are computed: a frozen weight costs no column sums
      Tensor dx = x.requiresGrad() ? Tensor.zeros(xv.shape()) : null;
      Tensor dw = weight.requiresGrad() ? Tensor.zeros(cols) : null;
      be.rows().rmsNormBackward(rows, cols, xv, wv, rstd, g, dx, dw);
      if (dx != null) x.accumulateOwnedGrad(dx);
      if (dw != null) weight.accumulateOwnedGrad(dw);
    }, x, weight);
  }
}
