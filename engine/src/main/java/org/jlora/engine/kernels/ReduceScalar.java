package org.jlora.engine.kernels;

/**
 * Reductions, scalar reference. Sums accumulate in double; {@link ReduceVector} must agree to
 * within float rounding (and {@code sumColumns} adds rows in the same order, so exactly).
 */
public final class ReduceScalar {
  private ReduceScalar() {}

  /** Sum of {@code x[off, off+n)}, in double. */
  public static double sum(int n, float[] x, int off) {
    double s = 0;
    for (int i = 0; i < n; i++) s += x[off + i];
    return s;
  }

  /** Maximum of {@code x[off, off+n)}; NaN if any element is NaN; -Inf for n = 0. */
  public static float max(int n, float[] x, int off) {
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
  public static void sumRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) out[outOff + r] = (float) sum(cols, x, xOff + r * cols);
  }

  // x: [rows, cols] -> out: [rows]
  /** {@code out[r] = max_c x[r, c]}. */
  public static void maxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) out[outOff + r] = max(cols, x, xOff + r * cols);
  }

  // x: [rows, cols] -> out: [cols]
  /** {@code out[c] (+)= sum_r x[r, c]}; each column sums in float, row 0 first. */
  public static void sumColumns(int rows, int cols, float[] x, int xOff, float[] out, int outOff,
                                boolean accumulate) {
    for (int c = 0; c < cols; c++) {
      float s = 0f;
      for (int r = 0; r < rows; r++) s += x[xOff + r * cols + c];
      out[outOff + c] = accumulate ? out[outOff + c] + s : s;
    }
  }
}
