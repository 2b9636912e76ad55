package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;

/**
 * The row kernels on the JDK Vector API, parallel over rows; {@link RowsScalar} is the reference.
 * Softmax and log-softmax with their backward rules are here; layer norm, longer, is in
 * {@link LayerNormVector}.
 *
 * <p>Each row is a fused pass: max, then {@code exp(x - max)} stored and summed, then one scale.
 * Masked (-Inf) entries give exp = 0; a row of all -Inf has max -Inf, so {@code x - max} is NaN
 * and the whole row is NaN, as in PyTorch.
 */
public final class RowsVector extends RowsOnHost {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();

  /** Rough cost of one element of a softmax row (an exp and a few passes), for the parallel threshold. */
  private static final int COST_PER_ELEMENT = 8;

  // x: [rows, cols] -> out: [rows, cols]
  /** {@code out = exp(x - max) / sum(exp(x - max))} per row. */
  @Override
  public void softmax(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    Parallel.forRange(rows, 1, (long) rows * cols * COST_PER_ELEMENT, (from, to) -> {
      for (int r = from; r < to; r++) softmaxRow(cols, x, xOff + r * cols, out, outOff + r * cols);
    });
  }

  private static void softmaxRow(int cols, float[] x, int xr, float[] out, int or) {
    float max = ReduceVector.maxOf(cols, x, xr);
    FloatVector vmax = FloatVector.broadcast(SPECIES, max);
    // one accumulator suffices: the exp, not the add chain, bounds this loop
    FloatVector acc = FloatVector.zero(SPECIES);
    int c = 0;
    for (int bound = SPECIES.loopBound(cols); c < bound; c += L) {
      FloatVector e = VectorMath.exp(FloatVector.fromArray(SPECIES, x, xr + c).sub(vmax));
      e.intoArray(out, or + c);
      acc = acc.add(e);
    }
    double sum = ReduceVector.sumLanes(acc);
    for (; c < cols; c++) {
      float e = (float) Math.exp(x[xr + c] - max);
      out[or + c] = e;
      sum += e;
    }
    float inv = (float) (1.0 / sum);
    ElementwiseVector.scaleOnCaller(cols, inv, out, or);
  }

  // x: [rows, cols] -> out: [rows, cols]
  /** {@code out = x - max - log(sum(exp(x - max)))} per row. */
  @Override
  public void logSoftmax(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    Parallel.forRange(rows, 1, (long) rows * cols * COST_PER_ELEMENT, (from, to) -> {
      for (int r = from; r < to; r++) logSoftmaxRow(cols, x, xOff + r * cols, out, outOff + r * cols);
    });
  }

  private static void logSoftmaxRow(int cols, float[] x, int xr, float[] out, int or) {
    float max = ReduceVector.maxOf(cols, x, xr);
    FloatVector vmax = FloatVector.broadcast(SPECIES, max);
    FloatVector acc = FloatVector.zero(SPECIES);
    int c = 0;
    for (int bound = SPECIES.loopBound(cols); c < bound; c += L) {
      acc = acc.add(VectorMath.exp(FloatVector.fromArray(SPECIES, x, xr + c).sub(vmax)));
    }
    double sum = ReduceVector.sumLanes(acc);
    for (; c < cols; c++) sum += Math.exp(x[xr + c] - max);
    float logSum = (float) Math.log(sum);
    c = 0;
    for (int bound = SPECIES.loopBound(cols); c < bound; c += L) {
      FloatVector.fromArray(SPECIES, x, xr + c).sub(vmax).sub(logSum).intoArray(out, or + c);
    }
    for (; c < cols; c++) out[or + c] = x[xr + c] - max - logSum;
  }

  // y, dy, dx: [rows, cols]
  /** {@code dx (+)= y · (dy - sum_c(dy · y))} per row, from the softmax output y. */
  @Override
  public void softmaxBackward(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff,
                                         float[] dx, int dxOff, boolean accumulate) {
    Parallel.forRange(rows, 1, (long) rows * cols * 3, (from, to) -> {
      for (int r = from; r < to; r++) {
        int yr = yOff + r * cols;
        int dyr = dyOff + r * cols;
        int dxr = dxOff + r * cols;
        float dot = (float) ReduceVector.dot(cols, dy, dyr, y, yr);
        int c = 0;
        for (int bound = SPECIES.loopBound(cols); c < bound; c += L) {
          FloatVector vy = FloatVector.fromArray(SPECIES, y, yr + c);
          FloatVector g = FloatVector.fromArray(SPECIES, dy, dyr + c).sub(dot).mul(vy);
          if (accumulate) g = g.add(FloatVector.fromArray(SPECIES, dx, dxr + c));
          g.intoArray(dx, dxr + c);
        }
        for (; c < cols; c++) {
          float g = y[yr + c] * (dy[dyr + c] - dot);
          dx[dxr + c] = accumulate ? dx[dxr + c] + g : g;
        }
      }
    });
  }

  // y, dy, dx: [rows, cols]
  /** {@code dx (+)= dy - exp(y) · sum_c(dy)} per row, from the log-softmax output y. */
  @Override
  public void logSoftmaxBackward(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff,
                                            float[] dx, int dxOff, boolean accumulate) {
    Parallel.forRange(rows, 1, (long) rows * cols * COST_PER_ELEMENT, (from, to) -> {
      for (int r = from; r < to; r++) {
        int yr = yOff + r * cols;
        int dyr = dyOff + r * cols;
        int dxr = dxOff + r * cols;
        float s = (float) ReduceVector.sumBlock(cols, dy, dyr);
        int c = 0;
        for (int bound = SPECIES.loopBound(cols); c < bound; c += L) {
          FloatVector p = VectorMath.exp(FloatVector.fromArray(SPECIES, y, yr + c));
          FloatVector g = FloatVector.fromArray(SPECIES, dy, dyr + c).sub(p.mul(s));
          if (accumulate) g = g.add(FloatVector.fromArray(SPECIES, dx, dxr + c));
          g.intoArray(dx, dxr + c);
        }
        for (; c < cols; c++) {
          float g = dy[dyr + c] - (float) Math.exp(y[yr + c]) * s;
          dx[dxr + c] = accumulate ? dx[dxr + c] + g : g;
        }
      }
    });
  }

  // ---------------------------------------------------------------- layer norm

  @Override
  public void layerNorm(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff, float[] beta, int bOff,
                        float eps, float[] out, int outOff, float[] mean, int meanOff, float[] rstd, int rstdOff) {
    LayerNormVector.forward(rows, cols, x, xOff, gamma, gOff, beta, bOff, eps, out, outOff, mean, meanOff,
        rstd, rstdOff);
  }

  @Override
  public void layerNormBackward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                float[] mean, int meanOff, float[] rstd, int rstdOff, float[] dy, int dyOff,
                                float[] dx, int dxOff, float[] dgamma, int dgOff, float[] dbeta, int dbOff,
                                boolean accumulate) {
    LayerNormVector.backward(rows, cols, x, xOff, gamma, gOff, mean, meanOff, rstd, rstdOff, dy, dyOff, dx, dxOff,
        dgamma, dgOff, dbeta, dbOff, accumulate);
  }

  @Override
  public void rmsNorm(int rows, int cols, float[] x, int xOff, float[] weight, int wOff, float eps,
                      float[] out, int outOff, float[] rstd, int rOff) {
    RmsNormVector.forward(rows, cols, x, xOff, weight, wOff, eps, out, outOff, rstd, rOff);
  }

  @Override
  public void rmsNormBackward(int rows, int cols, float[] x, int xOff, float[] weight, int wOff,
                              float[] rstd, int rOff, float[] dy, int dyOff, float[] dx, int dxOff,
                              float[] dweight, int dwOff) {
    RmsNormVector.backward(rows, cols, x, xOff, weight, wOff, rstd, rOff, dy, dyOff, dx, dxOff, dweight, dwOff);
  }

  @Override
  public void crossEntropyBackward(int rows, int vocab, float[] logp, int lpOff, int[] targets, int ignoreIndex,
                                   int count, float[] dloss, int dlOff, float[] dlogits, int dOff) {
    CrossEntropyVector.backward(rows, vocab, logp, lpOff, targets, ignoreIndex, count, dloss, dlOff, dlogits, dOff);
  }
}
