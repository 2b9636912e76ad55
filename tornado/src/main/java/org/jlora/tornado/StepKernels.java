package org.jlora.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.math.TornadoMath;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * The glue kernels of a whole GPT training step on the device ({@link GptLoraDeviceStep}):
 * embedding, bias and residual adds, GELU, the fused cross-entropy, and the gradient-norm clipping
 * factor (the update itself is {@link ElementwiseKernels#adamw}, given that factor).
 * Per-step values (learning rate, bias corrections, 1/count of scored targets) are read from the
 * small {@code scalars} array the host sends each step, never baked in as kernel constants, so one
 * compiled graph serves every step. Slots of {@code scalars} are the constants below.
 *
 * <p>As in {@link RowKernels}, sums run in float and no kernel parameter shares a name with an
 * OpenCL built-in (TornadoVM keeps Java's names in the kernel source).
 */
final class StepKernels {
  private StepKernels() {}

  /**
   * Slots of the per-step {@code scalars} array: AdamW's first (the array is also
   * {@link ElementwiseKernels#adamw}'s {@code params}: lr, betas, eps, decay, bias corrections),
   * then these.
   */
  static final int INV_COUNT = ElementwiseKernels.ADAMW_PARAMS, MAX_NORM = INV_COUNT + 1;
  static final int SCALARS = MAX_NORM + 1;

  /** The target id that is not scored (PyTorch's ignore_index). */
  static final int IGNORE = -100;

  // ids: [rows] (row = b·T + t), wte: [V, C], wpe: [blockSize, C] -> x: [rows, C] = wte[ids] + wpe[t]
  static void embed(IntArray ids, FloatArray wte, FloatArray wpe, FloatArray x, int rows, int cols, int seqLen) {
    for (@Parallel int i = 0; i < rows * cols; i++) {
      int row = i / cols;
      int c = i % cols;
      x.set(i, wte.get(ids.get(row) * cols + c) + wpe.get((row % seqLen) * cols + c));
    }
  }

  // y: [rows, cols] += bias: [cols] (broadcast over rows)
  static void addBias(FloatArray y, FloatArray bias, int n, int cols) {
    for (@Parallel int i = 0; i < n; i++) {
      y.set(i, y.get(i) + bias.get(i % cols));
    }
  }

  // x, a: [rows, cols], bias: [cols] -> out = x + a + bias (a residual connection after a projection)
  static void residual(FloatArray x, FloatArray a, FloatArray bias, FloatArray out, int n, int cols) {
    for (@Parallel int i = 0; i < n; i++) {
      out.set(i, x.get(i) + a.get(i) + bias.get(i % cols));
    }
  }

  // f: [rows, cols] += bias, then g = gelu_tanh(f); f keeps the pre-activation for backward
  static void biasGelu(FloatArray f, FloatArray bias, FloatArray g, int n, int cols) {
    for (@Parallel int i = 0; i < n; i++) {
      float v = f.get(i) + bias.get(i % cols);
      f.set(i, v);
      g.set(i, OpCodes.unary(OpCodes.GELU_TANH, v));
    }
  }

  // f, dg: [n] -> df = dg · gelu_tanh'(f)
  static void geluBackward(FloatArray f, FloatArray dg, FloatArray df, int n) {
    for (@Parallel int i = 0; i < n; i++) {
      float v = f.get(i);
      df.set(i, dg.get(i) * OpCodes.derivative(OpCodes.GELU_TANH, v, v));
    }
  }

  /**
   * Cross-entropy of each row of logits against its target, and its gradient, in one pass:
   * {@code rowLoss[r] = logsumexp(logits[r]) - logits[r, t]},
   * {@code dlogits[r] = (softmax(logits[r]) - onehot(t)) / count}; rows whose target is
   * {@link #IGNORE} get loss 0 and gradient 0. {@code count} (the scored rows) comes in as
   * {@code scalars[INV_COUNT] = 1/count}, so the loss is the mean over scored rows, PyTorch's.
   */
  // logits: [rows, vocab], targets: [rows] -> rowLoss: [rows], dlogits: [rows, vocab]
  static void crossEntropy(FloatArray scalars, FloatArray logits, IntArray targets, FloatArray rowLoss,
                           FloatArray dlogits, int rows, int vocab) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = r * vocab;
      int t = targets.get(r);
      if (t == IGNORE) {
        rowLoss.set(r, 0f);
        for (int c = 0; c < vocab; c++) dlogits.set(row + c, 0f);
      } else {
        float top = logits.get(row);
        for (int c = 1; c < vocab; c++) {
          float v = logits.get(row + c);
          if (v > top || v != v) top = v;
        }
        float sum = 0f;
        for (int c = 0; c < vocab; c++) sum += TornadoMath.exp(logits.get(row + c) - top);
        float inv = 1f / sum;
        float scale = scalars.get(INV_COUNT);
        rowLoss.set(r, top + TornadoMath.log(sum) - logits.get(row + t));
        for (int c = 0; c < vocab; c++) {
          float p = TornadoMath.exp(logits.get(row + c) - top) * inv;
          dlogits.set(row + c, (c == t ? p - 1f : p) * scale);
        }
      }
    }
  }

  // rowLoss: [rows] -> loss[0] = sum / count (one work-item: a scalar result, summed in row order)
  static void meanLoss(FloatArray scalars, FloatArray rowLoss, FloatArray loss, int rows) {
    float sum = 0f;
    for (int r = 0; r < rows; r++) sum += rowLoss.get(r);
    loss.set(0, sum * scalars.get(INV_COUNT));
  }

  // g: [n] -> norms[slot] = sum g² (one work-item: LoRA gradients are a few thousand values)
  static void sumSquares(FloatArray g, FloatArray norms, int n, int slot) {
    float sum = 0f;
    for (int i = 0; i < n; i++) sum += g.get(i) * g.get(i);
    norms.set(slot, sum);
  }

  /**
   * PyTorch's {@code clip_grad_norm_} factor from the per-parameter sums of squares:
   * {@code norms[slots] = sqrt(sum)} (the norm before clipping) and {@code norms[slots + 1] = coef},
   * {@code maxNorm / (norm + 1e-6)} where that is below 1, else 1 (no clipping; also when
   * {@code maxNorm <= 0}, clipping off).
   */
  static void clipCoefficient(FloatArray scalars, FloatArray norms, int slots) {
    float sum = 0f;
    for (int i = 0; i < slots; i++) sum += norms.get(i);
    float norm = TornadoMath.sqrt(sum);
    float maxNorm = scalars.get(MAX_NORM);
    float coef = maxNorm / (norm + 1e-6f);
    norms.set(slots, norm);
    norms.set(slots + 1, maxNorm > 0f && coef < 1f ? coef : 1f);
  }

  /**
   * Does nothing (the caller passes {@code never = 0}) but names eight buffers, so that the graph
   * it runs in allocates them and sends their first contents: the first graph of a chain "touches"
   * every buffer, and the later graphs take the device copies from it.
   */
  static void touch(FloatArray a, FloatArray b, FloatArray c, FloatArray d, FloatArray e, FloatArray f,
                    FloatArray g, FloatArray h, int never) {
    if (never == 1) {
      a.set(0, b.get(0) + c.get(0) + d.get(0) + e.get(0) + f.get(0) + g.get(0) + h.get(0));
      b.set(0, a.get(0));
      c.set(0, a.get(0));
      d.set(0, a.get(0));
      e.set(0, a.get(0));
      f.set(0, a.get(0));
      g.set(0, a.get(0));
      h.set(0, a.get(0));
    }
  }

  /** {@link #touch} for one float buffer. */
  static void touchOne(FloatArray a, int never) {
    if (never == 1) a.set(0, a.get(0) + 1f);
  }

  /** {@link #touch} for one int buffer. */
  static void touchInts(IntArray a, int never) {
    if (never == 1) a.set(0, a.get(0) + 1);
  }
}
