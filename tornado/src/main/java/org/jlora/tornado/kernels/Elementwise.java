package org.jlora.tornado.kernels;

import org.jlora.engine.AdamHyper;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The engine's elementwise and optimizer families as TornadoVM {@code @Parallel} loops, one
 * work-item per element. Every operand is a window {@code (array, offset)}; op codes are the
 * engine enums' ordinals ({@link OpCodes}), constants of the compiled graph. Float arguments
 * (alpha, a fill value) are read from a window {@code (p, pOff)} rather than baked into the
 * kernel, so one compiled graph serves every value.
 */
public final class Elementwise {
  private Elementwise() {}

  // a: [aLen], b: [bLen] -> out: [n], broadcasting by i % len (aLen, bLen divide n)
  public static void binary(FloatArray a, int aOff, int aLen, FloatArray b, int bOff, int bLen,
                            FloatArray out, int outOff, int n, int op) {
    for (@Parallel int i = 0; i < n; i++) {
      out.set(outOff + i, OpCodes.binary(op, a.get(aOff + i % aLen), b.get(bOff + i % bLen)));
    }
  }

  // x: [n] -> out: [n]
  public static void unary(FloatArray x, int xOff, FloatArray out, int outOff, int n, int op) {
    for (@Parallel int i = 0; i < n; i++) {
      out.set(outOff + i, OpCodes.unary(op, x.get(xOff + i)));
    }
  }

  // x, y = f(x), dy: [n] -> dx: [n] (+)= dy · f'(x)
  public static void unaryBackward(FloatArray x, int xOff, FloatArray y, int yOff, FloatArray dy, int dyOff,
                                   FloatArray dx, int dxOff, int n, int op, int accumulate) {
    for (@Parallel int i = 0; i < n; i++) {
      float d = dy.get(dyOff + i) * OpCodes.derivative(op, x.get(xOff + i), y.get(yOff + i));
      dx.set(dxOff + i, accumulate == 1 ? dx.get(dxOff + i) + d : d);
    }
  }

  // p[pOff] = alpha; x, y: [n] -> y += alpha · x
  public static void axpy(FloatArray p, int pOff, FloatArray x, int xOff, FloatArray y, int yOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      y.set(yOff + i, y.get(yOff + i) + p.get(pOff) * x.get(xOff + i));
    }
  }

  // p[pOff] = alpha; x: [n] -> x *= alpha
  public static void scale(FloatArray p, int pOff, FloatArray x, int xOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      x.set(xOff + i, x.get(xOff + i) * p.get(pOff));
    }
  }

  // p[pOff] = value; x: [n] -> x = value
  public static void fill(FloatArray p, int pOff, FloatArray x, int xOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      x.set(xOff + i, p.get(pOff));
    }
  }

  // src: [n] -> dst: [n] (the same window, or disjoint ones)
  public static void copy(FloatArray src, int srcOff, FloatArray dst, int dstOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      dst.set(dstOff + i, src.get(srcOff + i));
    }
  }

  /**
   * PyTorch's AdamW with {@code hyper} laid out as the engine's {@code AdamHyper} (lr, beta1,
   * beta2, eps, weight decay, bc1, bc2, gradient scale): the hyper-parameters are device data,
   * written by the host before each step, never kernel constants.
   */
  // p, g, m, v: [n], hyper: [8] -> p, m, v updated in place
  public static void adamw(FloatArray p, int pOff, FloatArray g, int gOff, FloatArray m, int mOff,
                           FloatArray v, int vOff, FloatArray hyper, int hOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      float lr = hyper.get(hOff + AdamHyper.LR);
      float beta1 = hyper.get(hOff + AdamHyper.BETA1);
      float beta2 = hyper.get(hOff + AdamHyper.BETA2);
      float gi = g.get(gOff + i) * hyper.get(hOff + AdamHyper.GRAD_SCALE);
      float pi = p.get(pOff + i) - lr * hyper.get(hOff + AdamHyper.WEIGHT_DECAY) * p.get(pOff + i);
      float mi = beta1 * m.get(mOff + i) + (1f - beta1) * gi;
      float vi = beta2 * v.get(vOff + i) + (1f - beta2) * gi * gi;
      pi -= lr * (mi / hyper.get(hOff + AdamHyper.BC1)) / (TornadoMath.sqrt(vi / hyper.get(hOff + AdamHyper.BC2)) + hyper.get(hOff + AdamHyper.EPS));
      p.set(pOff + i, pi);
      m.set(mOff + i, mi);
      v.set(vOff + i, vi);
    }
  }
}
