package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.f32OrNull;
import static org.jlora.engine.kernels.HostTensors.offset;
import static org.jlora.engine.kernels.HostTensors.size;
import static org.jlora.engine.kernels.HostTensors.sizeOrNull;

import org.jlora.engine.RowKernels;
import org.jlora.engine.ShapeException;
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

  @Override
  public final void rmsNorm(int rows, int cols, Tensor x, Tensor weight, float eps, Tensor out, Tensor rstd) {
    String op = "rmsNorm";
    matrices(op, rows, cols, x, out);
    size(op, "weight", weight, cols);
    size(op, "rstd", rstd, rows);
    rmsNorm(rows, cols, f32(op, "x", x), x.offset(), f32(op, "weight", weight), weight.offset(), eps,
        f32(op, "out", out), out.offset(), f32(op, "rstd", rstd), rstd.offset());
  }

  @Override
  public final void rmsNormBackward(int rows, int cols, Tensor x, Tensor weight, Tensor rstd, Tensor dy,
                                    Tensor dx, Tensor dweight) {
    String op = "rmsNormBackward";
    matrices(op, rows, cols, x, dy);
    if (dx != null) matrices(op, rows, cols, dx);
    size(op, "weight", weight, cols);
    size(op, "rstd", rstd, rows);
    sizeOrNull(op, "dweight", dweight, cols);
    rmsNormBackward(rows, cols, f32(op, "x", x), x.offset(), f32(op, "weight", weight), weight.offset(),
        f32(op, "rstd", rstd), rstd.offset(), f32(op, "dy", dy), dy.offset(),
        f32OrNull(op, "dx", dx), offset(dx), f32OrNull(op, "dweight", dweight), offset(dweight));
  }

  /** Log-softmax by this implementation's kernel, then the mean NLL, shared by both twins. */
  @Override
  public final void crossEntropy(int rows, int vocab, Tensor logits, int[] targets, int ignoreIndex,
                                 Tensor logp, Tensor loss) {
    String op = "crossEntropy";
    matrices(op, rows, vocab, logits, logp);
    size(op, "loss", loss, 1);
    int count = scoredTargets(op, rows, vocab, targets, ignoreIndex);
    float[] lp = f32(op, "logp", logp);
    logSoftmax(rows, vocab, f32(op, "logits", logits), logits.offset(), lp, logp.offset());
    CrossEntropyScalar.meanNll(vocab, lp, logp.offset(), targets, ignoreIndex, count,
        f32(op, "loss", loss), loss.offset());
  }

  @Override
  public final void crossEntropyBackward(int rows, int vocab, Tensor logp, int[] targets, int ignoreIndex,
                                         Tensor dloss, Tensor dlogits) {
    String op = "crossEntropyBackward";
    matrices(op, rows, vocab, logp, dlogits);
    size(op, "dloss", dloss, 1);
    int count = scoredTargets(op, rows, vocab, targets, ignoreIndex);
    crossEntropyBackward(rows, vocab, f32(op, "logp", logp), logp.offset(), targets, ignoreIndex, count,
        f32(op, "dloss", dloss), dloss.offset(), f32(op, "dlogits", dlogits), dlogits.offset());
  }

  /** Checks every target (N of them, each in [0, V) or the ignore index); returns how many are scored. */
  private static int scoredTargets(String op, int rows, int vocab, int[] targets, int ignoreIndex) {
    if (targets.length != rows) {
      throw new ShapeException(op + ": " + targets.length + " targets for " + rows + " rows");
    }
    for (int i = 0; i < rows; i++) {
      int t = targets[i];
      if (t != ignoreIndex && (t < 0 || t >= vocab)) {
        throw new IndexOutOfBoundsException(op + ": target " + t + " at row " + i + " is outside [0, "
            + vocab + ") and is not the ignore index " + ignoreIndex);
      }
    }
    return CrossEntropyScalar.scored(targets, ignoreIndex);
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

  public abstract void rmsNorm(int rows, int cols, float[] x, int xOff, float[] weight, int wOff, float eps,
                               float[] out, int outOff, float[] rstd, int rOff);

  /** dx or dweight may be null (not wanted). */
  public abstract void rmsNormBackward(int rows, int cols, float[] x, int xOff, float[] weight, int wOff,
                                       float[] rstd, int rOff, float[] dy, int dyOff, float[] dx, int dxOff,
                                       float[] dweight, int dwOff);

  /** {@code count} is the number of scored rows (targets not {@code ignoreIndex}). */
  public abstract void crossEntropyBackward(int rows, int vocab, float[] logp, int lpOff, int[] targets,
                                            int ignoreIndex, int count, float[] dloss, int dlOff,
                                            float[] dlogits, int dOff);
}
