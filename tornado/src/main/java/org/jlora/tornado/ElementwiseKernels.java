package org.jlora.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Elementwise kernels as TornadoVM {@code @Parallel} loops, one work-item per element. The op
 * codes are the engine enums' ordinals ({@link OpCodes}), constants of each compiled graph, so
 * the if-chains fold to the one op. Per-call scalars (alpha, learning rate, bias corrections)
 * arrive in a small {@code params} array, not as kernel constants, so one graph serves every step.
 */
final class ElementwiseKernels {
  private ElementwiseKernels() {}

  // a: [aLen], b: [bLen] -> out: [n], broadcasting by i % len (aLen, bLen divide n)
  static void binary(FloatArray a, FloatArray b, FloatArray out, int n, int aLen, int bLen, int op) {
    for (@Parallel int i = 0; i < n; i++) {
      out.set(i, OpCodes.binary(op, a.get(i % aLen), b.get(i % bLen)));
    }
  }

  // x: [n] -> out: [n]
  static void unary(FloatArray x, FloatArray out, int n, int op) {
    for (@Parallel int i = 0; i < n; i++) {
      out.set(i, OpCodes.unary(op, x.get(i)));
    }
  }

  // x, y = f(x), dy: [n] -> dx: [n] (+)= dy · f'(x)
  static void unaryBackward(FloatArray x, FloatArray y, FloatArray dy, FloatArray dx,
                            int n, int op, int accumulate) {
    for (@Parallel int i = 0; i < n; i++) {
      float d = dy.get(i) * OpCodes.derivative(op, x.get(i), y.get(i));
      dx.set(i, accumulate == 1 ? dx.get(i) + d : d);
    }
  }

  // params: [alpha]; x, y: [n] -> y += alpha · x
  static void axpy(FloatArray params, FloatArray x, FloatArray y, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      y.set(i, y.get(i) + params.get(0) * x.get(i));
    }
  }

  // params: [alpha]; x: [n] -> x *= alpha
  static void scale(FloatArray params, FloatArray x, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      x.set(i, x.get(i) * params.get(0));
    }
  }

  /** Slots of the AdamW {@code params} array. */
  static final int LR = 0, BETA1 = 1, BETA2 = 2, EPS = 3, WEIGHT_DECAY = 4, BC1 = 5, BC2 = 6;
  static final int ADAMW_PARAMS = 7;

  // params: [7] (slots above); p, g, m, v: [n] -> p, m, v updated in place (PyTorch's AdamW) on the
  // gradient g · gradScale[scaleSlot] (1 per call; the clipping factor in a whole device step)
  static void adamw(FloatArray params, FloatArray gradScale, FloatArray p, FloatArray g, FloatArray m, FloatArray v,
                    int n, int scaleSlot) {
    for (@Parallel int i = 0; i < n; i++) {
      float lr = params.get(LR);
      float beta1 = params.get(BETA1);
      float beta2 = params.get(BETA2);
      float gi = g.get(i) * gradScale.get(scaleSlot);
      float pi = p.get(i) - lr * params.get(WEIGHT_DECAY) * p.get(i);
      float mi = beta1 * m.get(i) + (1f - beta1) * gi;
      float vi = beta2 * v.get(i) + (1f - beta2) * gi * gi;
      pi -= lr * (mi / params.get(BC1)) / (TornadoMath.sqrt(vi / params.get(BC2)) + params.get(EPS));
      p.set(i, pi);
      m.set(i, mi);
      v.set(i, vi);
    }
  }
}
