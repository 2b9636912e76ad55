package org.jlora.engine.kernels;

import org.jlora.engine.Bf16;

/**
 * The reference matrix product: a plain i-j-p triple loop per batch with a float accumulator.
 *
 * <p>This is the definition the fast {@link MatmulVector} is tested against, so it favours
 * obviousness over speed. See {@link org.jlora.engine.MatmulKernels#matmul} for the contract.
 * A bf16 operand is read through {@link Bf16#toFloat}, one element at a time.
 */
public final class MatmulScalar extends MatmulOnHost {
  /**
   * For each {@code b < batch}: {@code C_b[m, n] (+)= op(A_b)[m, k] · op(B_b)[k, n]}, where
   * {@code op(A)} reads A stored {@code [m, k]}, or {@code [k, m]} with {@code transA} (likewise
   * B: {@code [k, n]}, or {@code [n, k]} with {@code transB}); {@code shareB} uses one B for
   * every batch.
   */
  @Override
  public void matmul(int batch, int m, int n, int k,
                            float[] a, int aOff, boolean transA,
                            float[] b, int bOff, boolean transB, boolean shareB,
                            float[] c, int cOff, boolean accumulate) {
    MatmulArgs.check("MatmulScalar.matmul", batch, m, n, k, a, aOff, b, bOff, shareB, c, cOff);
    product(batch, m, n, k, i -> a[i], aOff, transA, i -> b[i], bOff, transB, shareB, c, cOff, accumulate);
  }

  @Override
  public void matmulBf16B(int batch, int m, int n, int k, float[] a, int aOff, boolean transA,
                          short[] b, int bOff, boolean transB, boolean shareB,
                          float[] c, int cOff, boolean accumulate) {
    MatmulArgs.check("MatmulScalar.matmulBf16B", batch, m, n, k, a, aOff, b, bOff, shareB, c, cOff);
    product(batch, m, n, k, i -> a[i], aOff, transA, i -> Bf16.toFloat(b[i]), bOff, transB, shareB,
        c, cOff, accumulate);
  }

  @Override
  public void matmulBf16A(int batch, int m, int n, int k, short[] a, int aOff,
                          float[] b, int bOff, boolean transB, boolean shareB,
                          float[] c, int cOff, boolean accumulate) {
    MatmulArgs.check("MatmulScalar.matmulBf16A", batch, m, n, k, a, aOff, b, bOff, shareB, c, cOff);
    product(batch, m, n, k, i -> Bf16.toFloat(a[i]), aOff, false, i -> b[i], bOff, transB, shareB,
        c, cOff, accumulate);
  }

  /** An operand's element at a flat array index, as f32 (read, or widened from bf16). */
  private interface Element {
    float at(int index);
  }

  private static void product(int batch, int m, int n, int k, Element a, int aOff, boolean transA,
                              Element b, int bOff, boolean transB, boolean shareB,
                              float[] c, int cOff, boolean accumulate) {
    for (int bat = 0; bat < batch; bat++) {
      int aBase = aOff + bat * m * k;
      int bBase = shareB ? bOff : bOff + bat * k * n;
      int cBase = cOff + bat * m * n;
      for (int i = 0; i < m; i++) {
        for (int j = 0; j < n; j++) {
          float sum = 0f;
          for (int p = 0; p < k; p++) {
            // A[i, p] lives at [i, p] in [m, k] storage, or at [p, i] in [k, m] storage.
            float aip = transA ? a.at(aBase + p * m + i) : a.at(aBase + i * k + p);
            // B[p, j] lives at [p, j] in [k, n] storage, or at [j, p] in [n, k] storage.
            float bpj = transB ? b.at(bBase + j * k + p) : b.at(bBase + p * n + j);
            sum += aip * bpj;
          }
          int ij = cBase + i * n + j;
          c[ij] = accumulate ? c[ij] + sum : sum;
        }
      }
    }
  }
}
