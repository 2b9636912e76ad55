package org.jlora.engine.kernels;

/**
 * Reductions, scalar reference. Sums accumulate in double; {@link ReduceVector} must agree to
 * within float rounding (and {@code sumColumns} adds rows in the same order, so exactly).
 */
public final class ReduceScalar extends ReductionsOnHost {

  /** Sum of {@code x[off, off+n)}, in double. */
  @Override
  public double sum(int n, float[] x, int off) {
    return sumOf(n, x, off);
  }

  /** Maximum of {@code x[off, off+n)}; NaN if any element is NaN; -Inf for n = 0. */
  @Override
  public float max(int n, float[] x, int off) {
    return maxOf(n, x, off);
  }

  /** The squares added in double, tensor after tensor, element after element: one chain. */
  @Override
  public double sumOfSquares(float[][] xs, int[] offsets, int[] sizes) {
    double s = 0;
    for (int t = 0; t < xs.length; t++) {
      for (int i = offsets[t], end = offsets[t] + sizes[t]; i < end; i++) s += (double) xs[t][i] * xs[t][i];
    }
    return s;
  }

  /** {@link #sum} for the other scalar kernels. */
  static double sumOf(int n, float[] x, int off) {
    double s = 0;
    for (int i = 0; i < n; i++) s += x[off + i];
    return s;
  }

  /** {@link #max} for the other scalar kernels. */
  static float maxOf(int n, float[] x, int off) {
    float m = Float.NEGATIVE_INFINITY;
    for (int i = 0; i < n; i++) {
      float v = x[off + i];
      if (v != v) return Float.NaN;
      if (v > m) m = v;
    }
    return m;
  }

  // x: [rows, cols] -> out: [rows]
  /** {@code out[r] = sum_c x[r, c]}. */
  @Override
  public void sumRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) out[outOff + r] = (float) sumOf(cols, x, xOff + r * cols);
  }

  // x: [rows, cols] -> out: [rows]
  /** {@code out[r] = max_c x[r, c]}. */
  @Override
  public void maxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) out[outOff + r] = maxOf(cols, x, xOff + r * cols);
  }

  // x: [rows, cols] -> out: [cols]
  /** {@code out[c] (+)= sum_r x[r, c]}; each column sums in float, row 0 first. */
  @Override
  public void sumColumns(int rows, int cols, float[] x, int xOff, float[] out, int outOff,
                                boolean accumulate) {
    for (int c = 0; c < cols; c++) {
      float s = 0f;
      for (int r = 0; r < rows; r++) s += x[xOff + r * cols + c];
      out[outOff + c] = accumulate ? out[outOff + c] + s : s;
    }
  }
}
