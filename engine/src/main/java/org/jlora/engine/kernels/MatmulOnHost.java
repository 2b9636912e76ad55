package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.size;

import org.jlora.engine.MatmulKernels;
import org.jlora.engine.Tensor;

/**
 * The tensor door of the host matmul kernels: checks each window's size and that it is host f32,
 * then hands the arrays and offsets to the implementation ({@link MatmulVector},
 * {@link MatmulScalar}). The array form is public for the kernels' own tests and benchmarks.
 */
public abstract class MatmulOnHost implements MatmulKernels {
  protected MatmulOnHost() {}

  @Override
  public final void matmul(int batch, int m, int n, int k, Tensor a, boolean transA, Tensor b, boolean transB,
                           boolean shareB, Tensor c, boolean accumulate) {
    if (batch < 0 || m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException("matmul: negative size (batch=" + batch + ", m=" + m
          + ", n=" + n + ", k=" + k + ")");
    }
    size("matmul", "a", a, (long) batch * m * k);
    size("matmul", "b", b, (shareB ? 1L : batch) * k * n);
    size("matmul", "c", c, (long) batch * m * n);
    matmul(batch, m, n, k, f32("matmul", "a", a), a.offset(), transA, f32("matmul", "b", b), b.offset(), transB,
        shareB, f32("matmul", "c", c), c.offset(), accumulate);
  }

  /** {@link MatmulKernels#matmul} on arrays: A_b starts at {@code aOff + b·m·k}, and so on. */
  public abstract void matmul(int batch, int m, int n, int k, float[] a, int aOff, boolean transA,
                              float[] b, int bOff, boolean transB, boolean shareB,
                              float[] c, int cOff, boolean accumulate);
}
