package org.jlora.engine.kernels;

import static org.jlora.engine.kernels.HostTensors.f32;
import static org.jlora.engine.kernels.HostTensors.size;

import org.jlora.engine.HostBf16;
import org.jlora.engine.MatmulKernels;
import org.jlora.engine.Tensor;

/**
 * The tensor door of the host matmul kernels: checks each window's size and storage, then hands
 * the arrays and offsets to the implementation ({@link MatmulVector}, {@link MatmulScalar}). The
 * array forms are public for the kernels' own tests and benchmarks.
 *
 * <p>Operands are host f32, except that one of A and B may be host bf16 (a frozen weight kept at
 * half the memory): B in any orientation (a layer's {@code x·Wᵀ} and its backward {@code dY·W}),
 * or A stored {@code [m, k]} (the one-row product {@code W·xᵀ} of generation). The kernels widen
 * it to f32 as they read it, so the product equals that of the widened weight bit for bit.
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
    boolean aBf16 = a.storage() instanceof HostBf16;
    if (b.storage() instanceof HostBf16 bits) {
      if (aBf16) {
        throw new IllegalStateException("matmul: a and b are both bf16; the host kernels take one bf16 operand"
            + " (a frozen weight) and f32 for the other; call toF32() on one of them");
      }
      matmulBf16B(batch, m, n, k, f32("matmul", "a", a), a.offset(), transA, bits.bits(), b.offset(), transB,
          shareB, f32("matmul", "c", c), c.offset(), accumulate);
    } else if (a.storage() instanceof HostBf16 bits && !transA) {
      matmulBf16A(batch, m, n, k, bits.bits(), a.offset(), f32("matmul", "b", b), b.offset(), transB, shareB,
          f32("matmul", "c", c), c.offset(), accumulate);
    } else if (aBf16) {
      throw new IllegalStateException("matmul: a is bf16 and read transposed; the host kernels read a bf16 a"
          + " only stored [m, k] (bf16 is for frozen weights, which are b, or a in W·xᵀ); call toF32() first");
    } else {
      matmul(batch, m, n, k, f32("matmul", "a", a), a.offset(), transA, f32("matmul", "b", b), b.offset(), transB,
          shareB, f32("matmul", "c", c), c.offset(), accumulate);
    }
  }

  /** {@link MatmulKernels#matmul} on arrays: A_b starts at {@code aOff + b·m·k}, and so on. */
  public abstract void matmul(int batch, int m, int n, int k, float[] a, int aOff, boolean transA,
                              float[] b, int bOff, boolean transB, boolean shareB,
                              float[] c, int cOff, boolean accumulate);

  /** The array form with B given as bf16 bits ({@link org.jlora.engine.Bf16}), widened as it is read. */
  public abstract void matmulBf16B(int batch, int m, int n, int k, float[] a, int aOff, boolean transA,
                                   short[] b, int bOff, boolean transB, boolean shareB,
                                   float[] c, int cOff, boolean accumulate);

  /** The array form with A given as bf16 bits and stored {@code [m, k]}, widened as it is read. */
  public abstract void matmulBf16A(int batch, int m, int n, int k, short[] a, int aOff,
                                   float[] b, int bOff, boolean transB, boolean shareB,
                                   float[] c, int cOff, boolean accumulate);
}
