package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;

/**
 * Optimizer updates on the JDK Vector API; {@link OptimizerScalar} is the reference. Work is cut
 * into {@link ElementwiseVector}'s fixed blocks, so results do not depend on the thread count.
 */
public final class OptimizerVector extends OptimizerOnHost {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();
  /** Runs each block's scalar tail. */
  private static final OptimizerScalar TAIL = new OptimizerScalar();

  /**
   * One AdamW step, PyTorch's rule (see {@link org.jlora.engine.OptimizerKernels#adamw}):
   * {@code g' = gradScale·g; p -= lr·wd·p; m = b1·m + (1-b1)·g'; v = b2·v + (1-b2)·g'²;
   * p -= lr · (m / bc1) / (sqrt(v / bc2) + eps)}.
   */
  // p, g, m, v: [n]
  @Override
  public void adamw(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                    float[] v, int vOff, float lr, float beta1, float beta2, float eps,
                    float weightDecay, float bc1, float bc2, float gradScale) {
    float decay = lr * weightDecay;
    ElementwiseVector.forBlocks(n, 4, (from, to) -> {
      int i = from;
      for (int bound = from + SPECIES.loopBound(to - from); i < bound; i += L) {
        // gradScale is 1 unless clipping, and x·1 is exact: the unclipped step is unchanged
        FloatVector vg = FloatVector.fromArray(SPECIES, g, gOff + i).mul(gradScale);
        FloatVector vp = FloatVector.fromArray(SPECIES, p, pOff + i);
        vp = vp.sub(vp.mul(decay));
        FloatVector vm = FloatVector.fromArray(SPECIES, m, mOff + i).mul(beta1).add(vg.mul(1f - beta1));
        FloatVector vv = FloatVector.fromArray(SPECIES, v, vOff + i).mul(beta2).add(vg.mul(vg).mul(1f - beta2));
        FloatVector denom = vv.div(bc2).sqrt().add(eps);
        vp = vp.sub(vm.div(bc1).mul(lr).div(denom));
        vp.intoArray(p, pOff + i);
        vm.intoArray(m, mOff + i);
        vv.intoArray(v, vOff + i);
      }
      if (i < to) {
        TAIL.adamw(to - i, p, pOff + i, g, gOff + i, m, mOff + i, v, vOff + i,
            lr, beta1, beta2, eps, weightDecay, bc1, bc2, gradScale);
      }
    });
  }
}
