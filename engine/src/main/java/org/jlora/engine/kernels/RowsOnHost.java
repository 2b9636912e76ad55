package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.f32OrNull;
import static org.jlora.engine.kernels.HostTensors.offset;
import static org.jlora.engine.kernels.HostTensors.size;
import static org.jlora.engine.kernels.HostTensors.sizeOrNull;

import org.jlora.engine.RowKernels;
import org.jlora.engine.Tensor;

/**
 * The tensor door of the host row kernels: checks the windows' sizes and that they are host f32,
 * then hands arrays and offsets to the implementation ({@link RowsVector}, {@link RowsScalar}).
 */
public abstract class RowsOnHost implements RowKernels {
  protected RowsOnHost() {}

  @Override
  public final void softmax(int rows, int cols, Tensor x, Tensor out) {
    matrices("softmax", rows, cols, x, out);
    softmax(rows, cols, f32("softmax", "x", x), x.offset(), f32("softmax", "out", out), out.offset());
  }

  @Override
  public final void logSoftmax(int rows, int cols, Tensor x, Tensor out) {
    matrices("logSoftmax", rows, cols, x, out);
    logSoftmax(rows, cols, f32("logSoftmax", "x", x), x.offset(), f32("logSoftmax", "out", out), out.offset());
  }

  @Override
  public final void softmaxBackward(int rows, int cols, Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
    String op = "softmaxBackward";
    matrices(op, rows, cols, y, dy, dx);
    softmaxBackward(rows, cols, f32(op, "y", y), y.offset(), f32(op, "dy", dy), dy.offset(),
        f32(op, "dx", dx), dx.offset(), accumulate);
  }

  @Override
  public final void logSoftmaxBackward(int rows, int cols, Tensor y, Tensor dy, Tensor dx, boolean accumulate) {
    String op = "logSoftmaxBackward";
    matrices(op, rows, cols, y, dy, dx);
    logSoftmaxBackward(rows, cols, f32(op, "y", y), y.offset(), f32(op, "dy", dy), dy.offset(),
        f32(op, "dx", dx), dx.offset(), accumulate);
  }

  @Override
  public final void layerNorm(int rows, int cols, Tensor x, Tensor gamma, Tensor beta, float eps,
                              Tensor out, Tensor mean, Tensor rstd) {
    String op = "layerNorm";
    matrices(op, rows, cols, x, out);
    sizeOrNull(op, "gamma", gamma, cols);
    sizeOrNull(op, "beta", beta, cols);
    size(op, "mean", mean, rows);
    size(op, "rstd", rstd, rows);
    layerNorm(rows, cols, f32(op, "x", x), x.offset(), f32OrNull(op, "gamma", gamma), offset(gamma),
        f32OrNull(op, "beta", beta), offset(beta), eps, f32(op, "out", out), out.offset(),
        f32(op, "mean", mean), mean.offset(), f32(op, "rstd", rstd), rstd.offset());
  }

  @Override
  public final void layerNormBackward(int rows, int cols, Tensor x, Tensor gamma, Tensor mean, Tensor rstd,
                                      Tensor dy, Tensor dx, Tensor dgamma, Tensor dbeta, boolean accumulate) {
    String op = "layerNormBackward";
    matrices(op, rows, cols, x, dy, dx);
    sizeOrNull(op, "gamma", gamma, cols);
    size(op, "mean", mean, rows);
    size(op, "rstd", rstd, rows);
    sizeOrNull(op, "dgamma", dgamma, cols);
    sizeOrNull(op, "dbeta", dbeta, cols);
    layerNormBackward(rows, cols, f32(op, "x", x), x.offset(), f32OrNull(op, "gamma", gamma), offset(gamma),
        f32(op, "mean", mean), mean.offset(), f32(op, "rstd", rstd), rstd.offset(),
        f32(op, "dy", dy), dy.offset(), f32(op, "dx", dx), dx.offset(),
        f32OrNull(op, "dgamma", dgamma), offset(dgamma), f32OrNull(op, "dbeta", dbeta), offset(dbeta), accumulate);
  }

  /** Every tensor must hold a {@code [rows, cols]} matrix. */
  private static void matrices(String op, int rows, int cols, Tensor... ts) {
    if (rows < 0 || cols < 0) {
      throw new IllegalArgumentException(op + ": negative size (rows=" + rows + ", cols=" + cols + ")");
    }
    for (Tensor t : ts) size(op, "a [" + rows + ", " + cols + "] operand", t, (long) rows * cols);
  }

  public abstract void softmax(int rows, int cols, float[] x, int xOff, float[] out, int outOff);

  public abstract void logSoftmax(int rows, int cols, float[] x, int xOff, float[] out, int outOff);

  public abstract void softmaxBackward(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff,
                                       float[] dx, int dxOff, boolean accumulate);

  public abstract void logSoftmaxBackward(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff,
                                          float[] dx, int dxOff, boolean accumulate);

  public abstract void layerNorm(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                 float[] beta, int bOff, float eps, float[] out, int outOff,
                                 float[] mean, int meanOff, float[] rstd, int rstdOff);

  public abstract void layerNormBackward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                         float[] mean, int meanOff, float[] rstd, int rstdOff,
                                         float[] dy, int dyOff, float[] dx, int dxOff,
                                         float[] dgamma, int dgOff, float[] dbeta, int dbOff, boolean accumulate);
}
