package org.jlora.lora.linalg;

/**
 * The reduced QR decomposition {@code A = Q·R} by Householder reflections (what LAPACK's geqrf, and
 * so torch.linalg.qr, computes): for A [m, n] and k = min(m, n), Q [m, k] has orthonormal columns and
 * R [k, n] is upper triangular.
 *
 * <p>Step j reflects column j below the diagonal onto a multiple of e_j with
 * {@code H = I - 2·v·vᵀ / (vᵀ·v)}, {@code v = x + sign(x₀)·‖x‖·e₀} (the sign that avoids cancellation),
 * so R's diagonal is {@code -sign(x₀)·‖x‖}, as LAPACK's (a column already zero below the diagonal is
 * left alone, as LAPACK does). Q is the product of the reflections applied to
 * the first k columns of the identity. Costs O(m·n·k) flops; stable (backward error of order machine epsilon).
 */
public final class Householder {
  private Householder() {}

  /** Q [m, k] and R [k, n] with {@code A = Q·R}. */
  public record QR(Matrix q, Matrix r) {}

  /** The reduced QR of {@code a} (which is not modified). */
  public static QR qr(Matrix a) {
    int m = a.rows();
    int n = a.cols();
    int k = Math.min(m, n);
    Matrix r = new Matrix(m, n, a.a().clone());
    double[][] vs = new double[k][];
    for (int j = 0; j < k; j++) {
      double norm = 0;
      for (int i = j; i < m; i++) norm += r.get(i, j) * r.get(i, j);
      norm = Math.sqrt(norm);
      double[] v = new double[m - j];
      for (int i = j; i < m; i++) v[i - j] = r.get(i, j);
      double alpha = v[0] >= 0 ? -norm : norm;   // the reflected column becomes alpha·e_j
      v[0] -= alpha;
      double below = 0;
      for (int i = 1; i < v.length; i++) below += v[i] * v[i];
      if (below == 0) {   // already zero below the diagonal: no reflection (LAPACK's tau = 0), R keeps its sign
        vs[j] = null;
        continue;
      }
      double vv = 0;
      for (double x : v) vv += x * x;
      vs[j] = v;
      reflect(r, v, vv, j, j);
    }
    // Q = H_0 · H_1 · ... · H_{k-1} applied to the first k columns of I (right to left)
    Matrix q = Matrix.zeros(m, k);
    for (int i = 0; i < k; i++) q.set(i, i, 1);
    for (int j = k - 1; j >= 0; j--) {
      if (vs[j] == null) continue;
      double vv = 0;
      for (double x : vs[j]) vv += x * x;
      reflect(q, vs[j], vv, j, 0);
    }
    Matrix rk = r.rowRange(0, k);
    for (int i = 0; i < k; i++) for (int j = 0; j < Math.min(i, n); j++) rk.set(i, j, 0);   // exact zeros below
    return new QR(q, rk);
  }

  /** Applies {@code H = I - 2·v·vᵀ/vv} to rows [row0, row0 + |v|) of {@code m}, columns from {@code col0}. */
  private static void reflect(Matrix m, double[] v, double vv, int row0, int col0) {
    for (int c = col0; c < m.cols(); c++) {
      double dot = 0;
      for (int i = 0; i < v.length; i++) dot += v[i] * m.get(row0 + i, c);
      double f = 2 * dot / vv;
      if (f == 0) continue;
      for (int i = 0; i < v.length; i++) m.set(row0 + i, c, m.get(row0 + i, c) - f * v[i]);
    }
  }
}
