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
    float[] mean = new float[rows];
    float[] rstd = new float[rows];
    // x: [rows, cols] -> y: [rows, cols], mean, rstd: [rows]
    be.layerNormForward(rows, cols, xv.data(), xv.offset(), gv == null ? null : gv.data(),
        gv == null ? 0 : gv.offset(), bv == null ? null : bv.data(), bv == null ? 0 : bv.offset(), eps,
        y.data(), 0, mean, 0, rstd, 0);
    return Variable.fromOp("layer_norm", y, g -> {
      // the kernel always writes dx; a scratch buffer takes it when x needs no gradient
      Tensor dx = x.requiresGrad() ? x.gradBuffer() : Tensor.zeros(xv.shape());
      Tensor dg = gamma != null && gamma.requiresGrad() ? gamma.gradBuffer() : null;
      Tensor db = beta != null && beta.requiresGrad() ? beta.gradBuffer() : null;
      be.layerNormBackward(rows, cols, xv.data(), xv.offset(), gv == null ? null : gv.data(),
          gv == null ? 0 : gv.offset(), mean, 0, rstd, 0, g.data(), g.offset(), dx.data(), dx.offset(),
          dg == null ? null : dg.data(), dg == null ? 0 : dg.offset(),
          db == null ? null : db.data(), db == null ? 0 : db.offset(), true);
    }, x, gamma, beta);
  }
}
