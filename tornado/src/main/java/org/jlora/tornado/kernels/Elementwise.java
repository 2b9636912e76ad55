package org.jlora.tornado.kernels;

import org.jlora.engine.AdamHyper;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The engine's elementwise and optimizer families as TornadoVM {@code @Parallel} loops, one
 * work-item per element. Every operand is a window {@code (mem, offset)} of the one device array
 * {@code mem} (TornadoVM must not see one array twice in a task); op codes are the
 * engine enums' ordinals ({@link OpCodes}), constants of the compiled graph. Float arguments
 * (alpha, a fill value) are read from a window {@code (p, pOff)} rather than baked into the
 * kernel, so one compiled graph serves every value.
 */
public final class Elementwise {
  private Elementwise() {}

  // a: [aLen], b: [bLen] -> out: [n], broadcasting by i % len (aLen, bLen divide n)
  public static void binary(FloatArray mem, int aOff, int aLen, int bOff, int bLen,
                            int outOff, int n, int op) {
    for (@Parallel int i = 0; i < n; i++) {
      mem.set(outOff + i, OpCodes.binary(op, mem.get(aOff + i % aLen), mem.get(bOff + i % bLen)));
    }
  }

  // x: [n] -> out: [n]
  public static void unary(FloatArray mem, int xOff, int outOff, int n, int op) {
    for (@Parallel int i = 0; i < n; i++) {
      mem.set(outOff + i, OpCodes.unary(op, mem.get(xOff + i)));
    }
  }

  // x, y = f(x), dy: [n] -> dx: [n] (+)= dy · f'(x)
  public static void unaryBackward(FloatArray mem, int xOff, int yOff, int dyOff,
                                   int dxOff, int n, int op, int accumulate) {
    for (@Parallel int i = 0; i < n; i++) {
      float d = mem.get(dyOff + i) * OpCodes.derivative(op, mem.get(xOff + i), mem.get(yOff + i));
      mem.set(dxOff + i, accumulate == 1 ? mem.get(dxOff + i) + d : d);
    }
  }

  // p[pOff] = alpha; x, y: [n] -> y += alpha · x
  public static void axpy(FloatArray mem, int pOff, int xOff, int yOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      mem.set(yOff + i, mem.get(yOff + i) + mem.get(pOff) * mem.get(xOff + i));
    }
  }

  // p[pOff] = alpha; x: [n] -> x *= alpha
  public static void scale(FloatArray mem, int pOff, int xOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      mem.set(xOff + i, mem.get(xOff + i) * mem.get(pOff));
    }
  }

  // p[pOff] = value; x: [n] -> x = value
  public static void fill(FloatArray mem, int pOff, int xOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      mem.set(xOff + i, mem.get(pOff));
    }
  }

  // src: [n] -> dst: [n] (the same window, or disjoint ones)
  public static void copy(FloatArray mem, int srcOff, int dstOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      mem.set(dstOff + i, mem.get(srcOff + i));
    }
  }

  /**
   * Does nothing ({@code never} is 0) but reads and writes {@code mem}, so a graph that starts
   * with it takes {@code mem} as READ_WRITE: TornadoVM gives an array whose first use in a graph
   * is write-only a fresh device buffer, dropping the values it holds on the device.
   */
  public static void touch(FloatArray mem, int never) {
    for (@Parallel int i = 0; i < 1; i++) {
      if (never == 1) mem.set(0, mem.get(0) + 1f);
    }
  }

  // src: [n] of one array -> dst: [n] of another (a step's per-step inputs into the arena, its outputs out)
  public static void copyBetween(FloatArray src, int srcOff, FloatArray dst, int dstOff, int n) {
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
  public static void adamw(FloatArray mem, int pOff, int gOff, int mOff,
                           int vOff, int hOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      float gs = mem.get(hOff + AdamHyper.GRAD_SCALE);
      // a non-finite gradient scale (clipping's NaN for non-finite gradients) skips the update:
      // p, m and v stay as they were
      if (gs == gs && TornadoMath.abs(gs) <= Float.MAX_VALUE) {   // NaN tested explicitly: TornadoVM drops the unordered case of <=
        float lr = mem.get(hOff + AdamHyper.LR);
        float beta1 = mem.get(hOff + AdamHyper.BETA1);
        float beta2 = mem.get(hOff + AdamHyper.BETA2);
        float gi = mem.get(gOff + i) * gs;
        float pi = mem.get(pOff + i) - lr * mem.get(hOff + AdamHyper.WEIGHT_DECAY) * mem.get(pOff + i);
        float mi = beta1 * mem.get(mOff + i) + (1f - beta1) * gi;
        float vi = beta2 * mem.get(vOff + i) + (1f - beta2) * gi * gi;
        pi -= lr * (mi / mem.get(hOff + AdamHyper.BC1)) / (TornadoMath.sqrt(vi / mem.get(hOff + AdamHyper.BC2)) + mem.get(hOff + AdamHyper.EPS));
        mem.set(pOff + i, pi);
        mem.set(mOff + i, mi);
        mem.set(vOff + i, vi);
      }
    }
  }
}
