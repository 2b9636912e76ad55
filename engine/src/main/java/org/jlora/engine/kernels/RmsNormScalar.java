package org.jlora.engine.kernels;

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
 * Sums in double in order, products in float.
 */
final class RmsNormScalar {
  private RmsNormScalar() {}

  /** Writes y and the per-row {@code r = 1/rms} backward needs. */
  // x: [rows, C], weight: [C] -> y: [rows, C], rstd: [rows]
  static void forward(int rows, int cols, float[] xs, int xo, float[] ws, int wo, float eps,
                      float[] ys, int yo, float[] rs, int ro) {
    for (int i = 0; i < rows; i++) {
      int row = i * cols;
      double ss = 0;
      for (int c = 0; c < cols; c++) ss += xs[xo + row + c] * xs[xo + row + c];
      float r = (float) (1.0 / Math.sqrt((float) (ss / cols) + eps));
      rs[ro + i] = r;
      for (int c = 0; c < cols; c++) ys[yo + row + c] = (xs[xo + row + c] * r) * ws[wo + c];
    }
  }

  /** Writes dx unless it is null (x frozen) and dweight unless it is null (a frozen weight). */
  // x, dy, dx: [rows, C], weight, dweight: [C], rstd: [rows]
  static void backward(int rows, int cols, float[] xs, int xo, float[] ws, int wo, float[] rs, int ro,
                       float[] gs, int go, float[] dxs, int dxo, float[] dws, int dwo) {
    for (int i = 0; dxs != null && i < rows; i++) {
      int row = i * cols;
      double dot = 0;   // sum(g ∘ w ∘ x)
      for (int c = 0; c < cols; c++) dot += gs[go + row + c] * ws[wo + c] * xs[xo + row + c];
      float r = rs[ro + i];
      float k = (float) (dot * r * r * r / cols);
      for (int c = 0; c < cols; c++) {
        dxs[dxo + row + c] = r * gs[go + row + c] * ws[wo + c] - xs[xo + row + c] * k;
      }
    }
    for (int c = 0; dws != null && c < cols; c++) {
      double s = 0;
      for (int i = 0; i < rows; i++) s += gs[go + i * cols + c] * xs[xo + i * cols + c] * rs[ro + i];
      dws[dwo + c] = (float) s;
    }
  }
}
