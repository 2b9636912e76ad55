package org.jlora.engine.kernels;

/**
 * Row-wise softmax and log-softmax with their backward rules, scalar reference.
 *
 * <p>Rows are max-subtracted, so large inputs stay finite. A row of all -Inf (a fully masked
 * row) has max -Inf and {@code x - max = NaN}: its output is NaN, as in PyTorch.
 */
public final class SoftmaxScalar {
  private SoftmaxScalar() {}

  // x: [rows, cols] -> out: [rows, cols]
  /** {@code out = exp(x - max) / sum(exp(x - max))} per row. */
  public static void softmaxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * cols;
      int or = outOff + r * cols;
      float max = ReduceScalar.max(cols, x, xr);
      double sum = 0;
      for (int c = 0; c < cols; c++) {
        float e = (float) Math.exp(x[xr + c] - max);
        out[or + c] = e;
        sum += e;
      }
      float inv = (float) (1.0 / sum);
      for (int c = 0; c < cols; c++) out[or + c] *= inv;
    }
  }

  // x: [rows, cols] -> out: [rows, cols]
  /** {@code out = x - max - log(sum(exp(x - max)))} per row. */
  public static void logSoftmaxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * cols;
      int or = outOff + r * cols;
      float max = ReduceScalar.max(cols, x, xr);
      double sum = 0;
      for (int c = 0; c < cols; c++) sum += Math.exp(x[xr + c] - max);
      float logSum = (float) Math.log(sum);
      for (int c = 0; c < cols; c++) out[or + c] = x[xr + c] - max - logSum;
    }
  }

  // y, dy, dx: [rows, cols]
  /** {@code dx (+)= y · (dy - sum_c(dy · y))} per row, from the softmax output y. */
  public static void softmaxBackwardRows(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff,
                                         float[] dx, int dxOff, boolean accumulate) {
    for (int r = 0; r < rows; r++) {
      int yr = yOff + r * cols;
      int dyr = dyOff + r * cols;
      int dxr = dxOff + r * cols;
      double dot = 0;
      for (int c = 0; c < cols; c++) dot += (double) dy[dyr + c] * y[yr + c];
      float d = (float) dot;
      for (int c = 0; c < cols; c++) {
        float g = y[yr + c] * (dy[dyr + c] - d);
        dx[dxr + c] = accumulate ? dx[dxr + c] + g : g;
      }
    }
  }

  // y, dy, dx: [rows, cols]
  /** {@code dx (+)= dy - exp(y) · sum_c(dy)} per row, from the log-softmax output y. */
  public static void logSoftmaxBackwardRows(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff,
                                            float[] dx, int dxOff, boolean accumulate) {
    for (int r = 0; r < rows; r++) {
      int yr = yOff + r * cols;
      int dyr = dyOff + r * cols;
      int dxr = dxOff + r * cols;
      float s = (float) ReduceScalar.sum(cols, dy, dyr);
      for (int c = 0; c < cols; c++) {
        float g = dy[dyr + c] - (float) Math.exp(y[yr + c]) * s;
        dx[dxr + c] = accumulate ? dx[dxr + c] + g : g;
      }
    }
  }
}
