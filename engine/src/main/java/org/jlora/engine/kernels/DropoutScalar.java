package org.jlora.engine.kernels;

import org.jlora.engine.BinaryOp;
import org.jlora.engine.Rng;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Inverted dropout with a given mask, scalar reference: each element is kept with probability
 * {@code 1 - p} and scaled by {@code 1/(1 - p)}, so evaluation is the identity. The mask is drawn
 * on the host before the step ({@link #fillMask}: random numbers are an input of the step, not a
 * value computed in it); forward and backward are then the same product by the mask:
 * {@code y = x ∘ mask}, {@code dx = dy ∘ mask}. The draws and the product are autograd's
 * {@code DropoutOps}.
 */
public final class DropoutScalar {
  private DropoutScalar() {}

  /** {@code mask[i] = 1/(1-p)} (kept) or 0 (dropped), one {@code rng.nextFloat()} per element in order. */
  // -> mask: any shape
  public static void fillMask(Rng rng, float p, Tensor mask) {
    if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
    float keepScale = p == 1f ? 0f : 1f / (1f - p);
    float[] m = mask.data();
    for (int i = 0; i < mask.size(); i++) m[mask.offset() + i] = rng.nextFloat() >= p ? keepScale : 0f;
  }

  /** {@code y = x ∘ mask}: dropout forward, and its backward with the gradient as x. */
  // x, mask -> y: the same shape
  public static void apply(Tensor x, Tensor mask, Tensor y) {
    Shapes.requireSame("dropout (mask)", x, mask);
    Shapes.requireSame("dropout (out)", x, y);
    ElementwiseScalar.binary(BinaryOp.MUL, x.size(), x.data(), x.offset(), x.size(),
        mask.data(), mask.offset(), x.size(), y.data(), y.offset());
  }
}
