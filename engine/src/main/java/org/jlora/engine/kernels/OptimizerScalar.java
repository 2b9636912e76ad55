package org.jlora.engine.kernels;

/** Optimizer updates, scalar reference: one plain loop, as {@link org.jlora.engine.OptimizerKernels} defines it. */
public final class OptimizerScalar extends OptimizerOnHost {

  /**
   * One AdamW step (PyTorch's rule): the gradient times {@code gradScale}, decoupled weight
   * decay, then the bias-corrected Adam update {@code p -= lr · (m / bc1) / (sqrt(v / bc2) + eps)}.
   */
  // p, g, m, v: [n]
  @Override
  public void adamw(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                    float[] v, int vOff, float lr, float beta1, float beta2, float eps,
                    float weightDecay, float bc1, float bc2, float gradScale) {
    for (int i = 0; i < n; i++) {
      float gi = g[gOff + i] * gradScale;
      float pi = p[pOff + i] - lr * weightDecay * p[pOff + i];
      float mi = beta1 * m[mOff + i] + (1f - beta1) * gi;
      float vi = beta2 * v[vOff + i] + (1f - beta2) * gi * gi;
      pi -= lr * (mi / bc1) / ((float) Math.sqrt(vi / bc2) + eps);
      p[pOff + i] = pi;
      m[mOff + i] = mi;
      v[vOff + i] = vi;
    }
  }
}
