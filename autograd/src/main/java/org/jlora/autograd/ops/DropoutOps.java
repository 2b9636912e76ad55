package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.DropoutMask;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.StepCapture;

/**
 * Inverted dropout: in training each element is kept with probability {@code 1 - p} and scaled
 * by {@code 1/(1 - p)}, so evaluation is the identity. The mask comes from the given seeded
 * {@link Rng}, one draw per element in order, so a run is reproducible; it is drawn on the host
 * ({@link DropoutMask}: an input of the step), and applying it, forward and backward, is the
 * elementwise family's {@code dropout} kernel.
 */
public final class DropoutOps {
  private DropoutOps() {}

  /** Dropout with probability p; the identity (x itself) when not training or p = 0. */
  public static Variable dropout(Variable x, float p, Rng rng, boolean training) {
    if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
    if (!training || p == 0f) return x;
    Backend be = Backends.current();
    Tensor xv = x.value();
    Tensor mask = DropoutMask.draw(rng, p, xv.shape());   // 0 (dropped) or 1/(1-p) (kept)
    // a recorded step draws the mask anew before every replay, from the same generator in the same
    // order as building the graph every step would: replayed training sees the very same masks
    StepCapture.redrawnEachRun(mask, () -> DropoutMask.redraw(rng, p, mask));
    Tensor y = Tensor.zeros(xv.shape());
    be.elementwise().dropout(xv, mask, y);
    return Variable.fromOp("dropout", y, g -> {
      Tensor dx = Tensor.zeros(xv.shape());   // dx = g · mask
      be.elementwise().dropout(g, mask, dx);
      x.accumulateOwnedGrad(dx);
    }, x);
  }
}
