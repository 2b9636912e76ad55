package org.jlora.autograd;

import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.MatmulKernels;
import org.jlora.engine.Tensor;

/** A matmul family that records each call (m, n, k, flags) and leaves the work to another. */
final class CountingMatmul implements MatmulKernels {
  /** One recorded matmul call. */
  record MatmulCall(int batch, int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {}

  private final MatmulKernels inner;
  final List<MatmulCall> calls = new ArrayList<>();

  CountingMatmul(MatmulKernels inner) {
    this.inner = inner;
  }

  @Override
  public void matmul(int batch, int m, int n, int k, Tensor a, boolean transA, Tensor b, boolean transB,
                     boolean shareB, Tensor c, boolean accumulate) {
    calls.add(new MatmulCall(batch, m, n, k, transA, transB, accumulate));
    inner.matmul(batch, m, n, k, a, transA, b, transB, shareB, c, accumulate);
  }
}
