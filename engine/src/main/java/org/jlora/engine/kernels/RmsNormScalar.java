package org.jlora.engine.kernels;

import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * RMSNorm over the last axis (Llama's), scalar reference: {@code y = x · r · w} with
 * {@code r = 1/sqrt(mean(x²) + eps)}; no mean is subtracted and there is no bias. The order is
 * Hugging Face's LlamaRMSNorm: normalise first (in float32), then multiply by the weight.
 *
 * <p>Backward, per row of C elements, with {@code gw = g ∘ w}:
 * <pre>
 *   dx = r · gw - x · r³ · sum(gw ∘ x) / C
 *   dw = sum over rows of g ∘ x · r
 * </pre>
 * The arithmetic is autograd's {@code RmsNormOps}, expression for expression (sums in double in
 * order, products in float), so these are its bits.
 */
public final class RmsNormScalar {
  private RmsNormScalar() {}

  /** Writes y and the per-row {@code r = 1/rms} backward needs. */
  // x: [rows, C], weight: [C] -> y: [rows, C], rstd: [rows]
  public static void forward(Tensor x, Tensor weight, float eps, Tensor y, Tensor rstd) {
    check("rmsNormForward", x, weight, rstd);
    Shapes.requireSame("rmsNormForward (y)", x, y);
    int rows = x.rowCount(), cols = x.lastDim();
    float[] xs = x.data(), ws = weight.data(), ys = y.data(), rs = rstd.data();
    int xo = x.offset(), wo = weight.offset(), yo = y.offset(), ro = rstd.offset();
    for (int i = 0; i < rows; i++) {
      int row = i * cols;
      double ss = 0;
      for (int c = 0; c < cols; c++) ss += xs[xo + row + c] * xs[xo + row + c];
      float r = (float) (1.0 / Math.sqrt((float) (ss / cols) + eps));
      rs[ro + i] = r;
      for (int c = 0; c < cols; c++) ys[yo + row + c] = (xs[xo + row + c] * r) * ws[wo + c];
    }
  }

  /** Writes dx and, unless {@code dweight} is null (a frozen weight), dweight. */
  // x, dy, dx: [rows, C], weight, dweight: [C], rstd: [rows]
  public static void backward(Tensor x, Tensor weight, Tensor rstd, Tensor dy, Tensor dx, Tensor dweight) {
    check("rmsNormBackward", x, weight, rstd);
    Shapes.requireSame("rmsNormBackward (dy)", x, dy);
    Shapes.requireSame("rmsNormBackward (dx)", x, dx);
    if (dweight != null) Shapes.requireSame("rmsNormBackward (dweight)", weight, dweight);
    int rows = x.rowCount(), cols = x.lastDim();
    float[] xs = x.data(), ws = weight.data(), rs = rstd.data(), gs = dy.data(), dxs = dx.data();
    int xo = x.offset(), wo = weight.offset(), ro = rstd.offset(), go = dy.offset(), dxo = dx.offset();
    for (int i = 0; i < rows; i++) {
      int row = i * cols;
      double dot = 0;   // sum(g ∘ w ∘ x)
      for (int c = 0; c < cols; c++) dot += gs[go + row + c] * ws[wo + c] * xs[xo + row + c];
      float r = rs[ro + i];
      float k = (float) (dot * r * r * r / cols);
      for (int c = 0; c < cols; c++) {
        dxs[dxo + row + c] = r * gs[go + row + c] * ws[wo + c] - xs[xo + row + c] * k;
      }
    }
    if (dweight == null) return;
    float[] dws = dweight.data();
    for (int c = 0; c < cols; c++) {
      double s = 0;
      for (int i = 0; i < rows; i++) s += gs[go + i * cols + c] * xs[xo + i * cols + c] * rs[ro + i];
      dws[dweight.offset() + c] = (float) s;
    }
  }

  /** x [..., C], weight [C], rstd with one value per row of x. */
  static void check(String op, Tensor x, Tensor weight, Tensor rstd) {
    if (weight.rank() != 1 || weight.dim(0) != x.lastDim() || rstd.size() != x.rowCount()) {
      throw new ShapeException(op + ": x " + Shapes.str(x.shape()) + ", weight " + Shapes.str(weight.shape())
          + ", rstd " + Shapes.str(rstd.shape()) + " must be [..., C], [C] and one value per row");
    }
  }
}
