package org.jlora.engine.kernels;

/**
 * The row kernels, scalar reference: softmax and log-softmax with their backward rules, and
 * layer norm, one plain loop per step of each definition.
 *
 * <p>Softmax rows are max-subtracted, so large inputs stay finite. A row of all -Inf (a fully masked
 * row) has max -Inf and {@code x - max = NaN}: its output is NaN, as in PyTorch.
 */
public final class RowsScalar extends RowsOnHost {

  // x: [rows, cols] -> out: [rows, cols]
  /** {@code out = exp(x - max) / sum(exp(x - max))} per row. */
  @Override
  public void softmax(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * cols;
      int or = outOff + r * cols;
      float max = ReduceScalar.maxOf(cols, x, xr);
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
  @Override
  public void logSoftmax(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    for (int r = 0; r < rows; r++) {
      int xr = xOff + r * cols;
      int or = outOff + r * cols;
      float max = ReduceScalar.maxOf(cols, x, xr);
      double sum = 0;
      for (int c = 0; c < cols; c++) sum += Math.exp(x[xr + c] - max);
      float logSum = (float) Math.log(sum);
      for (int c = 0; c < cols; c++) out[or + c] = x[xr + c] - max - logSum;
    }
  }

  // y, dy, dx: [rows, cols]
  /** {@code dx (+)= y · (dy - sum_c(dy · y))} per row, from the softmax output y. */
  @Override
  public void softmaxBackward(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff,
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
  @Override
  public void logSoftmaxBackward(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff,
                                            float[] dx, int dxOff, boolean accumulate) {
    for (int r = 0; r < rows; r++) {
      int yr = yOff + r * cols;
      int dyr = dyOff + r * cols;
      int dxr = dxOff + r * cols;
      float s = (float) ReduceScalar.sumOf(cols, dy, dyr);
      for (int c = 0; c < cols; c++) {
        float g = dy[dyr + c] - (float) Math.exp(y[yr + c]) * s;
        dx[dxr + c] = accumulate ? dx[dxr + c] + g : g;
      }
    }
  }

  // ---------------------------------------------------------------- layer norm

  /**
   * {@code out = (x - mean) · rstd · gamma + beta} per row, with {@code rstd = 1/sqrt(var + eps)}
   * and the biased variance; gamma/beta may be null.
   */
  // x: [rows, cols], gamma, beta: [cols] -> out: [rows, cols], mean, rstd: [rows]
  @Override
  public void layerNorm(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
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
  @Override
  public void layerNormBackward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
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

  @Override
  public void rmsNorm(int rows, int cols, float[] x, int xOff, float[] weight, int wOff, float eps,
                      float[] out, int outOff, float[] rstd, int rOff) {
    RmsNormScalar.forward(rows, cols, x, xOff, weight, wOff, eps, out, outOff, rstd, rOff);
  }

  @Override
  public void rmsNormBackward(int rows, int cols, float[] x, int xOff, float[] weight, int wOff,
                              float[] rstd, int rOff, float[] dy, int dyOff, float[] dx, int dxOff,
                              float[] dweight, int dwOff) {
    RmsNormScalar.backward(rows, cols, x, xOff, weight, wOff, rstd, rOff, dy, dyOff, dx, dxOff, dweight, dwOff);
  }

  @Override
  public void crossEntropyBackward(int rows, int vocab, float[] logp, int lpOff, int[] targets, int ignoreIndex,
                                   int count, float[] dloss, int dlOff, float[] dlogits, int dOff) {
    CrossEntropyScalar.backward(rows, vocab, logp, lpOff, targets, ignoreIndex, count, dloss, dlOff, dlogits, dOff);
  }
}
