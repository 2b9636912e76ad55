package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.size;

import java.util.List;
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
  public final void sum(Tensor x, float scale, Tensor out) {
    size("sum", "out", out, 1);
    double s = sum(x.size(), f32("sum", "x", x), x.offset());
    f32("sum", "out", out)[out.offset()] = (float) (s * scale);
  }

  @Override
  public final void sumOfSquares(List<Tensor> xs, Tensor out) {
    size("sumOfSquares", "out", out, 1);
    float[][] arrays = new float[xs.size()][];
    int[] offsets = new int[xs.size()];
    int[] sizes = new int[xs.size()];
    for (int i = 0; i < xs.size(); i++) {
      Tensor x = xs.get(i);
      arrays[i] = f32("sumOfSquares", "tensor " + i, x);
      offsets[i] = x.offset();
      sizes[i] = x.size();
    }
    f32("sumOfSquares", "out", out)[out.offset()] = (float) sumOfSquares(arrays, offsets, sizes);
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

  /** {@code sum over tensors t, elements i of x_t[off_t + i]²}, in double. */
  // xs[t]: [sizes[t]] at offsets[t] -> a host double
  public abstract double sumOfSquares(float[][] xs, int[] offsets, int[] sizes);

  public abstract void sumRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff);

  public abstract void maxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff);

  public abstract void sumColumns(int rows, int cols, float[] x, int xOff, float[] out, int outOff,
                                  boolean accumulate);
}
