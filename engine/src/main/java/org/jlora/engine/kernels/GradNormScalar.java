package org.jlora.engine.kernels;

import java.util.List;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Global gradient-norm clipping (PyTorch's {@code clip_grad_norm_}) as three kernels on tensors,
 * scalar reference, so a step clips without reading the norm on the host:
 *
 * <pre>
 *   sumOfSquares(grads, ss)                  ss   = sum over every element of every gradient of g²
 *   clipCoefficient(ss, maxNorm, norm, coef) norm = sqrt(ss), coef = min(1, maxNorm / (norm + 1e-6))
 *   scaleBy(coef, grads)                     g   *= coef
 * </pre>
 *
 * <p>Against autograd's {@code GradClip}: the sum runs in double in the same order, but it is
 * stored as a float between the first two kernels, so the norm and the coefficient can differ
 * from GradClip's (which stay in double) in their last bit. Scaling by exactly 1 instead of not
 * scaling changes nothing, and a NaN or infinite norm gives coef 1, as GradClip leaves the
 * gradients alone then.
 */
public final class GradNormScalar {
  private GradNormScalar() {}

  /** The gradients' sum of squares, in double, tensor after tensor, element after element. */
  // tensors: any shapes -> out: [1]
  public static void sumOfSquares(List<Tensor> tensors, Tensor out) {
    checkScalar("sumOfSquares", out);
    double sum = 0;
    for (Tensor g : tensors) {
      float[] d = g.data();
      for (int i = g.offset(), end = g.offset() + g.size(); i < end; i++) sum += (double) d[i] * d[i];
    }
    out.data()[out.offset()] = (float) sum;
  }

  /**
   * {@code norm = sqrt(ss)}, {@code coef = maxNorm / (norm + 1e-6)} when that is below 1, else 1
   * (NaN included); one element each, computed in double. One value: nothing to vectorise, so
   * this is every backend's CPU kernel.
   */
  // sumSquares: [1] -> norm: [1], coef: [1]
  public static void clipCoefficient(Tensor sumSquares, float maxNorm, Tensor norm, Tensor coef) {
    checkScalar("clipCoefficient (sumSquares)", sumSquares);
    checkScalar("clipCoefficient (norm)", norm);
    checkScalar("clipCoefficient (coef)", coef);
    double n = Math.sqrt(sumSquares.data()[sumSquares.offset()]);
    double c = maxNorm / (n + 1e-6);
    norm.data()[norm.offset()] = (float) n;
    coef.data()[coef.offset()] = c < 1 ? (float) c : 1f;
  }

  /** {@code x *= factor} for every element of every tensor, the factor read from a one-element tensor. */
  // factor: [1], tensors: any shapes
  public static void scaleBy(Tensor factor, List<Tensor> tensors) {
    checkScalar("scaleBy", factor);
    float f = factor.data()[factor.offset()];
    for (Tensor x : tensors) ElementwiseScalar.scale(x.size(), f, x.data(), x.offset());
  }

  static void checkScalar(String op, Tensor t) {
    if (t.size() != 1) throw new ShapeException(op + ": expected a one-element tensor, got " + Shapes.str(t.shape()));
  }
}
