package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.sameSize;
import static org.jlora.engine.kernels.HostTensors.size;

import org.jlora.engine.AdamHyper;
import org.jlora.engine.OptimizerKernels;
import org.jlora.engine.Tensor;

/**
 * The tensor door of the host optimizer kernels: checks sizes and host f32, reads the
 * hyper-parameters out of their tensor ({@link AdamHyper}), then hands arrays and offsets to
 * {@link OptimizerVector} or {@link OptimizerScalar}.
 */
public abstract class OptimizerOnHost implements OptimizerKernels {
  protected OptimizerOnHost() {}

  @Override
  public final void adamw(Tensor p, Tensor g, Tensor m, Tensor v, Tensor hyper) {
    sameSize("adamw", "p", p, "g", g);
    sameSize("adamw", "p", p, "m", m);
    sameSize("adamw", "p", p, "v", v);
    size("adamw", "hyper", hyper, AdamHyper.SIZE);
    float[] h = f32("adamw", "hyper", hyper);
    int o = hyper.offset();
    adamw(p.size(), f32("adamw", "p", p), p.offset(), f32("adamw", "g", g), g.offset(),
        f32("adamw", "m", m), m.offset(), f32("adamw", "v", v), v.offset(),
        h[o + AdamHyper.LR], h[o + AdamHyper.BETA1], h[o + AdamHyper.BETA2], h[o + AdamHyper.EPS],
        h[o + AdamHyper.WEIGHT_DECAY], h[o + AdamHyper.BC1], h[o + AdamHyper.BC2], h[o + AdamHyper.GRAD_SCALE]);
  }

  /** One value: nothing to vectorise, so both twins share this loop-free kernel. */
  @Override
  public final void clipCoefficient(Tensor sumSquares, float maxNorm, Tensor norm, Tensor coef) {
    String op = "clipCoefficient";
    size(op, "sumSquares", sumSquares, 1);
    size(op, "norm", norm, 1);
    size(op, "coef", coef, 1);
    double n = Math.sqrt(f32(op, "sumSquares", sumSquares)[sumSquares.offset()]);
    double c = maxNorm / (n + 1e-6);
    f32(op, "norm", norm)[norm.offset()] = (float) n;
    f32(op, "coef", coef)[coef.offset()] = c < 1 ? (float) c : 1f;
  }

  /** {@link OptimizerKernels#adamw} on arrays, the hyper-parameters unpacked. */
  // p, g, m, v: [n]
  public abstract void adamw(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                             float[] v, int vOff, float lr, float beta1, float beta2, float eps,
                             float weightDecay, float bc1, float bc2, float gradScale);
}
