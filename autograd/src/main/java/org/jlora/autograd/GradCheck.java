package org.jlora.autograd;

import java.util.function.Supplier;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Checks analytic gradients against central finite differences.
 *
 * <p>For a scalar function f of some variables, each element x_i is nudged by ±eps and
 * {@code (f(x+eps) - f(x-eps)) / 2eps} (formed in double from the float32 forward values) is
 * compared with the gradient backward() produced. An element passes when
 * {@code |analytic - numeric| <= atol + rtol·|numeric|}. The forward runs in float32, so eps must
 * be large enough that f's rounding error (about 1e-7·|f|) divided by eps stays under the
 * tolerance: eps = 1e-2 with atol = rtol = 1e-2 suits unit-scale functions.
 */
public final class GradCheck {
  private GradCheck() {}

  /** The default check: eps 1e-2, atol 1e-2, rtol 1e-2. */
  public static void check(String what, Supplier<Variable> f, Variable... inputs) {
    check(what, f, 1e-2, 1e-2, 1e-2, inputs);
  }

  /**
   * Runs {@code f} (which must return a scalar built from {@code inputs}), backward, then the
   * finite differences for every element of every input that requires a gradient; throws an
   * AssertionError naming the op, the input, the element and both values at the first mismatch.
   */
  public static void check(String what, Supplier<Variable> f, double eps, double atol, double rtol,
                           Variable... inputs) {
    for (Variable v : inputs) v.zeroGrad();
    Variable out = f.get();
    if (out.value().size() != 1) {
      throw new IllegalArgumentException("GradCheck(" + what + "): f must return a scalar, got shape "
          + Shapes.str(out.shape()));
    }
    out.backward();
    for (int k = 0; k < inputs.length; k++) {
      Variable v = inputs[k];
      if (!v.requiresGrad()) continue;
      Tensor analytic = v.grad() == null ? Tensor.zeros(v.shape()) : v.grad().copy();
      Tensor x = v.value();
      for (int i = 0; i < x.size(); i++) {
        float orig = x.get(i);
        double numeric;
        try (NoGrad g = NoGrad.enter()) {
          x.set(i, (float) (orig + eps));
          double plus = f.get().value().get(0);
          x.set(i, (float) (orig - eps));
          double minus = f.get().value().get(0);
          // the actual step taken in float32, not the requested one
          double step = (double) (float) (orig + eps) - (double) (float) (orig - eps);
          numeric = (plus - minus) / step;
        } finally {
          x.set(i, orig);
        }
        double a = analytic.get(i);
        if (!(Math.abs(a - numeric) <= atol + rtol * Math.abs(numeric))) {
          throw new AssertionError(String.format(
              "GradCheck(%s): input %d %s, element %d: analytic %.6g vs numeric %.6g (|diff| %.3g > %.3g)",
              what, k, Shapes.str(x.shape()), i, a, numeric, Math.abs(a - numeric),
              atol + rtol * Math.abs(numeric)));
        }
      }
    }
  }
}
