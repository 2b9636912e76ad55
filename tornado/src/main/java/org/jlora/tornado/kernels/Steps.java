package org.jlora.tornado.kernels;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The step kernels the engine's families gained for whole-step capture: RMSNorm, SwiGLU,
 * cross-entropy with its mean loss kept on the device, and gradient clipping's factor. As in
 * {@link Rows}, one work-item per row (or element), sums in f32 in order; the few scalar results
 * (the loss, the clipping factor) come from a single work-item, so nothing needs atomics.
 */
public final class Steps {
  private Steps() {}

  // p[pOff] = eps; x: [rows, cols], w: [cols] -> out: [rows, cols] = x·r·w, rstd: [rows] = r = 1/sqrt(mean(x²) + eps)
  public static void rmsNorm(FloatArray mem, int pOff, int xOff, int wOff,
                             int outOff, int rOff, int rows, int cols) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = xOff + r * cols;
      float ss = 0f;
      for (int c = 0; c < cols; c++) ss += mem.get(row + c) * mem.get(row + c);
      float inv = 1f / TornadoMath.sqrt(ss / cols + mem.get(pOff));
      mem.set(rOff + r, inv);
      for (int c = 0; c < cols; c++) mem.set(outOff + r * cols + c, (mem.get(row + c) * inv) * mem.get(wOff + c));
    }
  }

  // x, dy: [rows, cols], w: [cols], rstd: [rows] -> dx = r·gw - x·r³·sum(gw∘x)/cols with gw = dy∘w
  public static void rmsNormBackwardInput(FloatArray mem, int xOff, int wOff, int rOff,
                                          int dyOff, int dxOff, int rows, int cols) {
    for (@Parallel int r = 0; r < rows; r++) {
      float inv = mem.get(rOff + r);
      float dot = 0f;
      for (int c = 0; c < cols; c++) dot += mem.get(dyOff + r * cols + c) * mem.get(wOff + c) * mem.get(xOff + r * cols + c);
      float k = inv * inv * inv * dot / cols;
      for (int c = 0; c < cols; c++) {
        float gw = mem.get(dyOff + r * cols + c) * mem.get(wOff + c);
        mem.set(dxOff + r * cols + c, inv * gw - mem.get(xOff + r * cols + c) * k);
      }
    }
  }

  // x, dy: [rows, cols], rstd: [rows] -> dw: [cols] = sum over rows of dy∘x·r
  public static void rmsNormBackwardWeight(FloatArray mem, int xOff, int rOff, int dyOff,
                                           int dwOff, int rows, int cols) {
    for (@Parallel int c = 0; c < cols; c++) {
      float acc = 0f;
      for (int r = 0; r < rows; r++) acc += mem.get(dyOff + r * cols + c) * mem.get(xOff + r * cols + c) * mem.get(rOff + r);
      mem.set(dwOff + c, acc);
    }
  }

  // gate, up: [n] -> out = silu(gate)·up
  public static void swiglu(FloatArray mem, int gOff, int uOff, int outOff, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      float gi = mem.get(gOff + i);
      float s = 1f / (1f + TornadoMath.exp(-gi));
      mem.set(outOff + i, gi * s * mem.get(uOff + i));
    }
  }

  // gate, up, dy: [n] -> dGate = dy·up·s·(1 + gate·(1 - s)) (which & 1), dUp = dy·gate·s (which & 2)
  public static void swigluBackward(FloatArray mem, int gOff, int uOff, int dyOff,
                                    int dgOff, int duOff, int n, int which) {
    for (@Parallel int i = 0; i < n; i++) {
      float gi = mem.get(gOff + i);
      float s = 1f / (1f + TornadoMath.exp(-gi));
      float d = mem.get(dyOff + i);
      if ((which & 1) != 0) mem.set(dgOff + i, d * mem.get(uOff + i) * s * (1f + gi * (1f - s)));
      if ((which & 2) != 0) mem.set(duOff + i, d * gi * s);
    }
  }

  /**
   * {@code loss[0] = -sum over scored rows of logp[i, t_i] / count} and {@code stats[0] = count}
   * (NaN loss when no row is scored, as PyTorch); one work-item, rows in order.
   */
  public static void meanNll(FloatArray mem, int lpOff, IntArray targets, int lossOff,
                             int sOff, int rows, int vocab, int ignoreIndex) {
    for (@Parallel int one = 0; one < 1; one++) {
      float sum = 0f;
      int count = 0;
      for (int r = 0; r < rows; r++) {
        int t = targets.get(r);
        if (t != ignoreIndex) {
          sum -= mem.get(lpOff + r * vocab + t);
          count++;
        }
      }
      mem.set(lossOff, sum / count);
      mem.set(sOff, count);
    }
  }

  /** {@code stats[0] = count of scored rows}; one work-item. */
  public static void countScored(FloatArray mem, IntArray targets, int sOff, int rows, int ignoreIndex) {
    for (@Parallel int one = 0; one < 1; one++) {
      int count = 0;
      for (int r = 0; r < rows; r++) if (targets.get(r) != ignoreIndex) count++;
      mem.set(sOff, count);
    }
  }

  // logp: [rows, vocab], targets: [rows], dloss: [1], stats[0] = count -> dlogits = (exp(logp) - onehot)·dloss/count
  public static void crossEntropyBackward(FloatArray mem, int lpOff, IntArray targets, int dlOff,
                                          int sOff, int dOff, int rows, int vocab,
                                          int ignoreIndex) {
    for (@Parallel int i = 0; i < rows * vocab; i++) {
      int r = i / vocab;
      int c = i % vocab;
      int t = targets.get(r);
      float alpha = mem.get(dlOff) / mem.get(sOff);
      float pr = 0f;
      if (t != ignoreIndex) {
        pr = TornadoMath.exp(mem.get(lpOff + i));
        if (c == t) pr -= 1f;
      }
      mem.set(dOff + i, pr * alpha);
    }
  }

  /**
   * Clipping's factor: {@code norm = sqrt(ss)}, {@code coef = min(1, maxNorm / (norm + 1e-6))},
   * or NaN when the norm is NaN or infinite (as the engine's: AdamW then skips its update);
   * maxNorm read from {@code (p, pOff)}. {@code norm - norm} is NaN exactly for those norms.
   */
  public static void clipCoefficient(FloatArray mem, int ssOff, int pOff, int nOff,
                                     int cOff) {
    for (@Parallel int one = 0; one < 1; one++) {
      float n = TornadoMath.sqrt(mem.get(ssOff));
      float c = mem.get(pOff) / (n + 1e-6f);
      mem.set(nOff, n);
      boolean finite = n == n && TornadoMath.abs(n) <= Float.MAX_VALUE;   // NaN tested explicitly, as in adamw
      mem.set(cOff, finite ? (c < 1f ? c : 1f) : n - n);
    }
  }
}
