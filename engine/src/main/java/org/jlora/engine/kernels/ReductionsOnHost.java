package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.size;

import org.jlora.engine.ReductionKernels;
import org.jlora.engine.Tensor;

/**
 * The tensor door of the host reductions: checks the windows' sizes and that they are host f32,
 * then hands arrays and offsets to the implementation ({@link ReduceVector}, {@link ReduceScalar}).
 */
public abstract class ReductionsOnHost implements ReductionKernels {
  protected ReductionsOnHost() {}

  @Override
  public final double sum(Tensor x) {
    return sum(x.size(), f32("sum", "x", x), x.offset());
  }

  @Override
  public final float max(Tensor x) {
    return max(x.size(), f32("max", "x", x), x.offset());
  }

  @Override
  public final void sumSquares(Tensor x, Tensor out, boolean accumulate) {
    size("sumSquares", "out", out, 1);
    float[] o = f32("sumSquares", "out", out);
    float s = (float) sumSquares(x.size(), f32("sumSquares", "x", x), x.offset());
    o[out.offset()] = accumulate ? o[out.offset()] + s : s;
  }

  @Override
  public final void sumRows(int rows, int cols, Tensor x, Tensor out) {
    size("sumRows", "x", x, (long) rows * cols);
    size("sumRows", "out", out, rows);
    sumRows(rows, cols, f32("sumRows", "x", x), x.offset(), f32("sumRows", "out", out), out.offset());
  }

  @Override
  public final void maxRows(int rows, int cols, Tensor x, Tensor out) {
    size("maxRows", "x", x, (long) rows * cols);
    size("maxRows", "out", out, rows);
    maxRows(rows, cols, f32("maxRows", "x", x), x.offset(), f32("maxRows", "out", out), out.offset());
  }

  @Override
  public final void sumColumns(int rows, int cols, Tensor x, Tensor out, boolean accumulate) {
    size("sumColumns", "x", x, (long) rows * cols);
    size("sumColumns", "out", out, cols);
    sumColumns(rows, cols, f32("sumColumns", "x", x), x.offset(), f32("sumColumns", "out", out), out.offset(),
        accumulate);
  }

  public abstract double sum(int n, float[] x, int off);

  public abstract float max(int n, float[] x, int off);

  /** {@code sum_i x[off + i]²}, in double. */
  public abstract double sumSquares(int n, float[] x, int off);

  public abstract void sumRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff);

  public abstract void maxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff);

  public abstract void sumColumns(int rows, int cols, float[] x, int xOff, float[] out, int outOff,
                                  boolean accumulate);
}
