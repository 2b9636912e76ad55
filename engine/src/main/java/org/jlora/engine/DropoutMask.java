package org.jlora.engine;

/**
 * Dropout's mask, drawn on the host: {@code 1/(1 - p)} where an element is kept (probability
 * {@code 1 - p}), 0 where it is dropped, one {@code rng.nextFloat()} per element in order, so a
 * seed gives the same mask. The mask is an input of the step (a replayed step draws it again in
 * place before every run, {@link #redraw}); applying it is {@link ElementwiseKernels#dropout}.
 */
public final class DropoutMask {
  private DropoutMask() {}

  /** A new mask of the given shape. */
  public static Tensor draw(Rng rng, float p, int... shape) {
    Tensor mask = Tensor.of(new float[Shapes.size(shape)], shape);
    redraw(rng, p, mask);
    return mask;
  }

  /** Draws {@code mask} (a host tensor) again in place: the same values {@link #draw} would give from this rng. */
  public static void redraw(Rng rng, float p, Tensor mask) {
    if (!(p >= 0f && p <= 1f)) throw new IllegalArgumentException("dropout: p must be in [0, 1], got " + p);
    float keepScale = p == 1f ? 0f : 1f / (1f - p);
    float[] m = mask.data();
    for (int i = mask.offset(), end = i + mask.size(); i < end; i++) m[i] = rng.nextFloat() >= p ? keepScale : 0f;
  }
}
