package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * LayerNorm over the last axis: {@code y = (x - mean)·rstd·gamma + beta}. The forward keeps the
 * per-row mean and rstd for the backward kernel, which forms dx, dgamma and dbeta in one pass.
 */
public final class NormOps {
  private NormOps() {}

  /** LayerNorm of x [..., C] with gamma, beta [C] (either may be null: no affine part). */
  public static Variable layerNorm(Variable x, Variable gamma, Variable beta, float eps) {
    Backend be = Backends.current();
    Tensor xv = x.value();
    int cols = xv.lastDim();
    int rows = xv.rowCount();
    for (Variable p : new Variable[] {gamma, beta}) {
      if (p != null && (p.value().rank() != 1 || p.value().dim(0) != cols)) {
        throw new ShapeException("layerNorm: affine parameter " + Shapes.str(p.shape()) + " does not match input "
            + Shapes.str(xv.shape()) + " (expected [" + cols + "])");
      }
    }
    Tensor gv = gamma == null ? null : gamma.value();
    Tensor bv = beta == null ? null : beta.value();
    Tensor y = Tensor.zeros(xv.shape());
    Tensor mean = Tensor.zeros(rows);
    Tensor rstd = Tensor.zeros(rows);
    // x: [rows, cols] -> y: [rows, cols], mean, rstd: [rows]
    be.rows().layerNorm(rows, cols, xv, gv, bv, eps, y, mean, rstd);
    return Variable.fromOp("layer_norm", y, g -> {
      // the kernel always writes dx; a scratch buffer takes it when x needs no gradient
      Tensor dx = x.requiresGrad() ? x.gradBuffer() : Tensor.zeros(xv.shape());
      Tensor dg = gamma != null && gamma.requiresGrad() ? gamma.gradBuffer() : null;
      Tensor db = beta != null && beta.requiresGrad() ? beta.gradBuffer() : null;
      be.rows().layerNormBackward(rows, cols, xv, gv, mean, rstd, g, dx, dg, db, true);
    }, x, gamma, beta);
  }
}
