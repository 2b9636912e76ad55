package org.jlora.engine.kernels;

/**
 * LayerNorm over the last axis, scalar reference: one plain loop per step of the definition.
 *
 * <p>Statistics are taken in double and in two passes (mean first, then the mean of squared
 * deviations), so rows with a large offset keep their variance instead of losing it to
 * cancellation in {@code E[x²] - E[x]²}.
 */
public final class LayerNormScalar {
  private LayerNormScalar() {}

  /**
   * {@code out = (x - mean) · rstd · gamma + beta} per row, with {@code rstd = 1/sqrt(var + eps)}
   * and the biased variance; gamma/beta may be null.
   */
  // x: [rows, cols], gamma, beta: [cols] -> out: [rows, cols], mean, rstd: [rows]
  public static void layerNormForward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                      float[] beta, int bOff, float eps, float[] out, int outOff,
                                      float[] mean, int meanOff, float[] rstd, int rstdOff) {
    for (int r = 0; r < rows; r++) {
      int row = xOff + r * cols;
      double sum = 0;
      for (int c = 0; c < cols; c++) sum += x[row + c];
      double mu = sum / cols;
      double squares = 0;
      for (int c = 0; c < cols; c++) {
        double d = x[row + c] - mu;
        squares += d * d;
      }
      double var = squares / cols;
      float m = (float) mu;
      float s = (float) (1.0 / Math.sqrt(var + eps));
      mean[meanOff + r] = m;
      rstd[rstdOff + r] = s;
      int o = outOff + r * cols;
      for (int c = 0; c < cols; c++) {
        float xhat = (x[row + c] - m) * s;
        float g = gamma == null ? 1f : gamma[gOff + c];
        float b = beta == null ? 0f : beta[bOff + c];
        out[o + c] = xhat * g + b;
      }
    }
  }

  /**
   * {@code dx (+)= rstd · (g - mean_c(g) - xhat · mean_c(g · xhat))} with {@code g = dy · gamma},
   * {@code dgamma (+)= sum_r dy · xhat}, {@code dbeta (+)= sum_r dy}; dgamma/dbeta may be null.
   */
  // x, dy, dx: [rows, cols], gamma, dgamma, dbeta: [cols], mean, rstd: [rows]
  public static void layerNormBackward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                       float[] mean, int meanOff, float[] rstd, int rstdOff,
                                       float[] dy, int dyOff, float[] dx, int dxOff,
                                       float[] dgamma, int dgOff, float[] dbeta, int dbOff, boolean accumulate) {
    double[] dgammaSum = new double[cols];
    double[] dbetaSum = new double[cols];
    for (int r = 0; r < rows; r++) {
      int row = r * cols;
      float m = mean[meanOff + r];
      float s = rstd[rstdOff + r];
      double sumG = 0;
      double sumGXhat = 0;
      for (int c = 0; c < cols; c++) {
        float xhat = (x[xOff + row + c] - m) * s;
        float g = dy[dyOff + row + c] * (gamma == null ? 1f : gamma[gOff + c]);
        sumG += g;
        sumGXhat += g * xhat;
        dgammaSum[c] += dy[dyOff + row + c] * xhat;
        dbetaSum[c] += dy[dyOff + row + c];
      }
      float meanG = (float) (sumG / cols);
      float meanGXhat = (float) (sumGXhat / cols);
      for (int c = 0; c < cols; c++) {
        float xhat = (x[xOff + row + c] - m) * s;
        float g = dy[dyOff + row + c] * (gamma == null ? 1f : gamma[gOff + c]);
        float d = s * (g - meanG - xhat * meanGXhat);
        dx[dxOff + row + c] = accumulate ? dx[dxOff + row + c] + d : d;
      }
    }
    for (int c = 0; c < cols; c++) {
      if (dgamma != null) {
        dgamma[dgOff + c] = (float) ((accumulate ? dgamma[dgOff + c] : 0) + dgammaSum[c]);
      }
      if (dbeta != null) {
        dbeta[dbOff + c] = (float) ((accumulate ? dbeta[dbOff + c] : 0) + dbetaSum[c]);
      }
    }
  }
}
