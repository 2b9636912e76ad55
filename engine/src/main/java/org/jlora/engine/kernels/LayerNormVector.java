package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;

/**
 * LayerNorm over the last axis on the Vector API; same definition as {@link RowsScalar#layerNorm}.
 *
 * <p>Forward is fused per row: two reductions in float (the mean, summed relative to the row's
 * first value, then the squared deviations from it: two passes, so a large common offset does
 * not cancel the variance away) and one normalise-scale-shift pass.
 * Backward computes dx per row and the parameter gradients as column sums taken over fixed
 * blocks of {@link #ROW_BLOCK} rows, each block into its own partial buffer, the partials then
 * added in block order: no atomics, and the same bits whatever the thread count.
 */
final class LayerNormVector {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int LANES = SPECIES.length();

  /** Rows per partial column sum in backward; fixed so results do not depend on the thread count. */
  static final int ROW_BLOCK = 32;

  private LayerNormVector() {}

  /** See {@link RowsScalar#layerNorm}. */
  // x: [rows, cols], gamma, beta: [cols] -> out: [rows, cols], mean, rstd: [rows]
  static void forward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                      float[] beta, int bOff, float eps, float[] out, int outOff,
                                      float[] mean, int meanOff, float[] rstd, int rstdOff) {
    Parallel.forRange(rows, 3L * rows * cols, (from, to) -> {
      for (int r = from; r < to; r++) {
        int row = xOff + r * cols;
        // shifted by the row's first value so a large common offset does not swamp the float sum
        float shift = x[row];
        float mu = shift + shiftedSum(cols, x, row, shift) / cols;
        float var = sumSquaredDeviations(cols, x, row, mu) / cols;
        float s = (float) (1.0 / Math.sqrt((double) var + eps));
        mean[meanOff + r] = mu;
        rstd[rstdOff + r] = s;
        normalizeRow(cols, x, row, mu, s, gamma, gOff, beta, bOff, out, outOff + r * cols);
      }
    });
  }

  /** See {@link RowsScalar#layerNormBackward}. */
  // x, dy, dx: [rows, cols], gamma, dgamma, dbeta: [cols], mean, rstd: [rows]
  static void backward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                       float[] mean, int meanOff, float[] rstd, int rstdOff,
                                       float[] dy, int dyOff, float[] dx, int dxOff,
                                       float[] dgamma, int dgOff, float[] dbeta, int dbOff, boolean accumulate) {
    int blocks = (rows + ROW_BLOCK - 1) / ROW_BLOCK;
    // partial sums of dy·xhat and dy: [blocks, cols] each, block b covering rows [b·ROW_BLOCK, ...)
    float[] dgammaPartial = new float[blocks * cols];
    float[] dbetaPartial = new float[blocks * cols];
    Parallel.forRange(blocks, 6L * rows * cols, (fromBlock, toBlock) -> {
      for (int b = fromBlock; b < toBlock; b++) {
        int end = Math.min(rows, (b + 1) * ROW_BLOCK);
        for (int r = b * ROW_BLOCK; r < end; r++) {
          backwardRow(cols, x, xOff + r * cols, gamma, gOff, mean[meanOff + r], rstd[rstdOff + r],
              dy, dyOff + r * cols, dx, dxOff + r * cols, accumulate, dgammaPartial, dbetaPartial, b * cols);
        }
      }
    });
    if (dgamma != null) sumBlocks(blocks, cols, dgammaPartial, dgamma, dgOff, accumulate);
    if (dbeta != null) sumBlocks(blocks, cols, dbetaPartial, dbeta, dbOff, accumulate);
  }

  // ------------------------------------------------------------------ forward pieces

  /** {@code sum_c (x[c] - shift)}, four independent accumulators to hide the add latency. */
  // x: [cols] at off -> scalar
  private static float shiftedSum(int cols, float[] x, int off, float shift) {
    FloatVector sh = FloatVector.broadcast(SPECIES, shift);
    FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
    int c = 0;
    for (int bound = cols - 4 * LANES; c <= bound; c += 4 * LANES) {
      a0 = a0.add(FloatVector.fromArray(SPECIES, x, off + c).sub(sh));
      a1 = a1.add(FloatVector.fromArray(SPECIES, x, off + c + LANES).sub(sh));
      a2 = a2.add(FloatVector.fromArray(SPECIES, x, off + c + 2 * LANES).sub(sh));
      a3 = a3.add(FloatVector.fromArray(SPECIES, x, off + c + 3 * LANES).sub(sh));
    }
    for (int bound = SPECIES.loopBound(cols); c < bound; c += LANES) {
      a0 = a0.add(FloatVector.fromArray(SPECIES, x, off + c).sub(sh));
    }
    float s = Lanes.sum(a0.add(a1).add(a2.add(a3)));
    for (; c < cols; c++) s += x[off + c] - shift;
    return s;
  }

  /** {@code sum_c (x[c] - mu)²}, four FMA accumulators. */
  // x: [cols] at off -> scalar
  private static float sumSquaredDeviations(int cols, float[] x, int off, float mu) {
    FloatVector m = FloatVector.broadcast(SPECIES, mu);
    FloatVector a0 = FloatVector.zero(SPECIES), a1 = a0, a2 = a0, a3 = a0;
    int c = 0;
    for (int bound = cols - 4 * LANES; c <= bound; c += 4 * LANES) {
      FloatVector d0 = FloatVector.fromArray(SPECIES, x, off + c).sub(m);
      FloatVector d1 = FloatVector.fromArray(SPECIES, x, off + c + LANES).sub(m);
      FloatVector d2 = FloatVector.fromArray(SPECIES, x, off + c + 2 * LANES).sub(m);
      FloatVector d3 = FloatVector.fromArray(SPECIES, x, off + c + 3 * LANES).sub(m);
      a0 = d0.fma(d0, a0);
      a1 = d1.fma(d1, a1);
      a2 = d2.fma(d2, a2);
      a3 = d3.fma(d3, a3);
    }
    for (int bound = SPECIES.loopBound(cols); c < bound; c += LANES) {
      FloatVector d = FloatVector.fromArray(SPECIES, x, off + c).sub(m);
      a0 = d.fma(d, a0);
    }
    float s = Lanes.sum(a0.add(a1).add(a2.add(a3)));
    for (; c < cols; c++) {
      float d = x[off + c] - mu;
      s += d * d;
    }
    return s;
  }

  /** {@code out[c] = (x[c] - mu) · s · gamma[c] + beta[c]}; a null gamma is 1, a null beta 0. */
  // x: [cols] at xRow, gamma, beta: [cols] -> out: [cols] at outRow
  private static void normalizeRow(int cols, float[] x, int xRow, float mu, float s,
                                   float[] gamma, int gOff, float[] beta, int bOff, float[] out, int outRow) {
    FloatVector m = FloatVector.broadcast(SPECIES, mu);
    FloatVector scale = FloatVector.broadcast(SPECIES, s);
    FloatVector one = FloatVector.broadcast(SPECIES, 1f);
    FloatVector zero = FloatVector.zero(SPECIES);
    int c = 0;
    for (int bound = SPECIES.loopBound(cols); c < bound; c += LANES) {
      FloatVector xhat = xhatAt(x, xRow + c, m, scale);
      FloatVector g = gamma == null ? one : FloatVector.fromArray(SPECIES, gamma, gOff + c);
      FloatVector b = beta == null ? zero : FloatVector.fromArray(SPECIES, beta, bOff + c);
      xhat.fma(g, b).intoArray(out, outRow + c);
    }
    for (; c < cols; c++) {
      float xhat = (x[xRow + c] - mu) * s;
      float g = gamma == null ? 1f : gamma[gOff + c];
      float b = beta == null ? 0f : beta[bOff + c];
      out[outRow + c] = Math.fma(xhat, g, b);
    }
  }

  // ------------------------------------------------------------------ backward pieces

  /**
   * One row of backward. Pass 1 reduces {@code sum g} and {@code sum g·xhat} (two accumulators
   * each) and adds {@code dy·xhat}, {@code dy} into this row block's partial column sums; pass 2
   * writes {@code dx = s · (g - mean(g) - xhat · mean(g·xhat))}.
   */
  // x, dy, dx: [cols] at their offsets, gamma: [cols], partials: [cols] at pOff
  private static void backwardRow(int cols, float[] x, int xRow, float[] gamma, int gOff, float mu, float s,
                                  float[] dy, int dyRow, float[] dx, int dxRow, boolean accumulate,
                                  float[] dgammaPartial, float[] dbetaPartial, int pOff) {
    FloatVector m = FloatVector.broadcast(SPECIES, mu);
    FloatVector scale = FloatVector.broadcast(SPECIES, s);
    FloatVector sumG0 = FloatVector.zero(SPECIES), sumG1 = sumG0;
    FloatVector sumGX0 = sumG0, sumGX1 = sumG0;
    int bound = SPECIES.loopBound(cols);
    int c = 0;
    // two vectors a step, so each sum runs on two independent accumulators
    for (int pairBound = cols - 2 * LANES; c <= pairBound; c += 2 * LANES) {
      FloatVector g0 = backwardColumnStep(x, xRow + c, m, scale, gamma, gOff + c, dy, dyRow + c,
          dgammaPartial, dbetaPartial, pOff + c);
      FloatVector g1 = backwardColumnStep(x, xRow + c + LANES, m, scale, gamma, gOff + c + LANES, dy,
          dyRow + c + LANES, dgammaPartial, dbetaPartial, pOff + c + LANES);
      sumG0 = sumG0.add(g0);
      sumG1 = sumG1.add(g1);
      sumGX0 = g0.fma(xhatAt(x, xRow + c, m, scale), sumGX0);
      sumGX1 = g1.fma(xhatAt(x, xRow + c + LANES, m, scale), sumGX1);
    }
    for (; c < bound; c += LANES) {
      FloatVector g = backwardColumnStep(x, xRow + c, m, scale, gamma, gOff + c, dy, dyRow + c,
          dgammaPartial, dbetaPartial, pOff + c);
      sumG0 = sumG0.add(g);
      sumGX0 = g.fma(xhatAt(x, xRow + c, m, scale), sumGX0);
    }
    float sumG = Lanes.sum(sumG0.add(sumG1));
    float sumGXhat = Lanes.sum(sumGX0.add(sumGX1));
    for (; c < cols; c++) {
      float xhat = (x[xRow + c] - mu) * s;
      float g = dy[dyRow + c] * (gamma == null ? 1f : gamma[gOff + c]);
      sumG += g;
      sumGXhat += g * xhat;
      dgammaPartial[pOff + c] += dy[dyRow + c] * xhat;
      dbetaPartial[pOff + c] += dy[dyRow + c];
    }
    float meanG = sumG / cols;
    float meanGXhat = sumGXhat / cols;
    FloatVector mg = FloatVector.broadcast(SPECIES, meanG);
    FloatVector mgx = FloatVector.broadcast(SPECIES, meanGXhat);
    for (c = 0; c < bound; c += LANES) {
      FloatVector xhat = xhatAt(x, xRow + c, m, scale);
      FloatVector d = FloatVector.fromArray(SPECIES, dy, dyRow + c);
      FloatVector g = gamma == null ? d : d.mul(FloatVector.fromArray(SPECIES, gamma, gOff + c));
      FloatVector grad = g.sub(mg).sub(xhat.mul(mgx)).mul(scale);
      if (accumulate) grad = grad.add(FloatVector.fromArray(SPECIES, dx, dxRow + c));
      grad.intoArray(dx, dxRow + c);
    }
    for (; c < cols; c++) {
      float xhat = (x[xRow + c] - mu) * s;
      float g = dy[dyRow + c] * (gamma == null ? 1f : gamma[gOff + c]);
      float grad = s * (g - meanG - xhat * meanGXhat);
      dx[dxRow + c] = accumulate ? dx[dxRow + c] + grad : grad;
    }
  }

  /** {@code xhat = (x - mu) · s} for one vector of columns. */
  private static FloatVector xhatAt(float[] x, int off, FloatVector mu, FloatVector s) {
    return FloatVector.fromArray(SPECIES, x, off).sub(mu).mul(s);
  }

  /**
   * For one vector of columns: adds {@code dy·xhat} and {@code dy} into the block's partial
   * column sums and returns {@code g = dy·gamma}.
   */
  private static FloatVector backwardColumnStep(float[] x, int xOff, FloatVector mu, FloatVector s,
                                                float[] gamma, int gOff, float[] dy, int dyOff,
                                                float[] dgammaPartial, float[] dbetaPartial, int pOff) {
    FloatVector xhat = xhatAt(x, xOff, mu, s);
    FloatVector d = FloatVector.fromArray(SPECIES, dy, dyOff);
    d.fma(xhat, FloatVector.fromArray(SPECIES, dgammaPartial, pOff)).intoArray(dgammaPartial, pOff);
    d.add(FloatVector.fromArray(SPECIES, dbetaPartial, pOff)).intoArray(dbetaPartial, pOff);
    return gamma == null ? d : d.mul(FloatVector.fromArray(SPECIES, gamma, gOff));
  }

  /** {@code out[c] (+)= sum_b partial[b, c]}, blocks added in order (vectorised over columns). */
  // partial: [blocks, cols] -> out: [cols] at outOff
  private static void sumBlocks(int blocks, int cols, float[] partial, float[] out, int outOff, boolean accumulate) {
    int c = 0;
    for (int bound = SPECIES.loopBound(cols); c < bound; c += LANES) {
      FloatVector acc = accumulate ? FloatVector.fromArray(SPECIES, out, outOff + c) : FloatVector.zero(SPECIES);
      for (int b = 0; b < blocks; b++) acc = acc.add(FloatVector.fromArray(SPECIES, partial, b * cols + c));
      acc.intoArray(out, outOff + c);
    }
    for (; c < cols; c++) {
      float acc = accumulate ? out[outOff + c] : 0f;
      for (int b = 0; b < blocks; b++) acc += partial[b * cols + c];
      out[outOff + c] = acc;
    }
  }
}
