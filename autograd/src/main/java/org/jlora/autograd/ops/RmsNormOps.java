package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Parallel;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * RMSNorm over the last axis (Llama's): {@code y = x · r · w} with {@code r = 1/sqrt(mean(x²) + eps)}.
 * No mean is subtracted and there is no bias. The order is Hugging Face's LlamaRMSNorm and
 * llama2.c's: normalise first (in float32), then multiply by the weight.
 *
 * <p>Backward, per row of C elements, with {@code gw = g ∘ w}:
 *
 * <pre>
 *   dx = r · gw - x · r³ · sum(gw ∘ x) / C
 *   dw = sum over rows of g ∘ x · r
 * </pre>
 *
 * dx is parallel over rows, dw over columns (each column sums its rows in order: no atomics, the
 * same result for any thread count).
 */
public final class RmsNormOps {
  private RmsNormOps() {}

  /** x [..., C], weight [C] -> y [..., C]. */
  public static Variable rmsNorm(Variable x, Variable weight, float eps) {
    Tensor xv = x.value();
    int cols = xv.lastDim();
    int rows = xv.rowCount();
    Tensor wv = weight.value();
    if (wv.rank() != 1 || wv.dim(0) != cols) {
      throw new ShapeException("rmsNorm: weight " + Shapes.str(wv.shape()) + " does not match input "
          + Shapes.str(xv.shape()) + " (expected [" + cols + "])");
    }
    float[] xs = xv.data();
    int xo = xv.offset();
    float[] ws = wv.data();
    int wo = wv.offset();
    float[] r = new float[rows];   // 1/rms per row, kept for backward
    Tensor y = Tensor.zeros(xv.shape());
    float[] ys = y.data();
    // x: [rows, C] -> y: [rows, C], r: [rows]
    Parallel.forRange(rows, (long) rows * cols * 3, (from, to) -> {
      for (int i = from; i < to; i++) {
        int row = xo + i * cols;
        double ss = 0;
        for (int c = 0; c < cols; c++) ss += xs[row + c] * xs[row + c];
        float ri = (float) (1.0 / Math.sqrt((float) (ss / cols) + eps));
        r[i] = ri;
        for (int c = 0; c < cols; c++) ys[i * cols + c] = (xs[row + c] * ri) * ws[wo + c];
      }
    });
    return Variable.fromOp("rms_norm", y, g -> {
      float[] gs = g.data();
      int go = g.offset();
      if (x.requiresGrad()) {
        Tensor dx = Tensor.zeros(xv.shape());
        float[] dxs = dx.data();
        Parallel.forRange(rows, (long) rows * cols * 4, (from, to) -> {
          for (int i = from; i < to; i++) {
            int row = xo + i * cols;
            double dot = 0;   // sum(g ∘ w ∘ x)
            for (int c = 0; c < cols; c++) dot += gs[go + i * cols + c] * ws[wo + c] * xs[row + c];
            float ri = r[i];
            float k = (float) (dot * ri * ri * ri / cols);
            for (int c = 0; c < cols; c++) {
              dxs[i * cols + c] = ri * gs[go + i * cols + c] * ws[wo + c] - xs[row + c] * k;
            }
          }
        });
        x.accumulateOwnedGrad(dx);
      }
      if (weight.requiresGrad()) {
        Tensor dw = Tensor.zeros(cols);
        float[] dws = dw.data();
        Parallel.forRange(cols, (long) rows * cols * 2, (from, to) -> {
          for (int c = from; c < to; c++) {
            double s = 0;
            for (int i = 0; i < rows; i++) s += gs[go + i * cols + c] * xs[xo + i * cols + c] * r[i];
            dws[c] = (float) s;
          }
        });
        weight.accumulateOwnedGrad(dw);
      }
    }, x, weight);
  }
}
