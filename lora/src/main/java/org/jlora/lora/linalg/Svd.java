package org.jlora.lora.linalg;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;
import org.jlora.engine.Rng;

/**
 * The thin singular value decomposition {@code A = U·diag(S)·Vᵀ}: for A [m, n] and k = min(m, n),
 * U [m, k] and V [n, k] have orthonormal columns and S [k] is sorted largest first.
 *
 * <p>{@link #exact} is one-sided Jacobi (Hestenes): it rotates pairs of columns of a working copy of A
 * until every pair is orthogonal; the columns' norms are then the singular values, the normalised
 * columns U, and the accumulated rotations V. Each rotation zeroes the inner product of two columns
 * exactly, sweeps repeat until none exceeds {@code 1e-15} relative, and the result is accurate to
 * double rounding, costing O(sweeps · m · n²) (a handful of sweeps).
 *
 * <p>{@link #randomized} is torch.svd_lowrank (Halko, Martinsson and Tropp 2009, algorithm 5.1):
 * an orthonormal basis Q [m, q] of the range of A·Ω for a Gaussian Ω [n, q], refined by
 * {@code niter} subspace iterations {@code Q ← qr(A·qr(Aᵀ·Q))}, then the exact SVD of the small
 * {@code Qᵀ·A}. Its top singular triplets approach A's as niter grows; cost O(niter · m · n · q).
 *
 * <p>A singular value of zero leaves its U column zero (any unit vector would do; PiSSA, the user,
 * multiplies it by zero).
 */
public final class Svd {
  private Svd() {}

  /** U [m, k], S [k] (largest first), V [n, k]. */
  public record Result(Matrix u, double[] s, Matrix v) {
    /** The first {@code r} triplets. */
    public Result top(int r) {
      return new Result(u.colRange(0, r), Arrays.copyOf(s, r), v.colRange(0, r));
    }
  }

  /** The exact thin SVD of {@code a} (not modified). */
  public static Result exact(Matrix a) {
    if (a.rows() < a.cols()) {
      Result t = exact(a.transpose());   // Aᵀ = U'·S·V'ᵀ  =>  A = V'·S·U'ᵀ
      return new Result(t.v(), t.s(), t.u());
    }
    int m = a.rows();
    int n = a.cols();
    Matrix u = new Matrix(m, n, a.a().clone());
    Matrix v = Matrix.identity(n);
    for (int sweep = 0; sweep < 60; sweep++) {
      boolean rotated = false;
      for (int p = 0; p < n - 1; p++) {
        for (int q = p + 1; q < n; q++) {
          double alpha = 0;
          double beta = 0;
          double gamma = 0;
          for (int i = 0; i < m; i++) {
            double up = u.get(i, p);
            double uq = u.get(i, q);
            alpha += up * up;
            beta += uq * uq;
            gamma += up * uq;
          }
          if (gamma == 0 || Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta)) continue;
          rotated = true;
          // the rotation that makes columns p and q orthogonal (the smaller angle of the two)
          double zeta = (beta - alpha) / (2 * gamma);
          double t = Math.signum(zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
          if (zeta == 0) t = 1;
          double c = 1 / Math.sqrt(1 + t * t);
          double s = c * t;
          rotate(u, p, q, c, s);
          rotate(v, p, q, c, s);
        }
      }
      if (!rotated) break;
    }
    double[] sigma = new double[n];
    for (int j = 0; j < n; j++) {
      double norm = 0;
      for (int i = 0; i < m; i++) norm += u.get(i, j) * u.get(i, j);
      sigma[j] = Math.sqrt(norm);
      for (int i = 0; i < m; i++) u.set(i, j, sigma[j] == 0 ? 0 : u.get(i, j) / sigma[j]);
    }
    int[] order = IntStream.range(0, n).boxed()
        .sorted(Comparator.comparingDouble((Integer j) -> -sigma[j])).mapToInt(Integer::intValue).toArray();
    Matrix us = Matrix.zeros(m, n);
    Matrix vs = Matrix.zeros(n, n);
    double[] ss = new double[n];
    for (int k = 0; k < n; k++) {
      int j = order[k];
      ss[k] = sigma[j];
      for (int i = 0; i < m; i++) us.set(i, k, u.get(i, j));
      for (int i = 0; i < n; i++) vs.set(i, k, v.get(i, j));
    }
    return new Result(us, ss, vs);
  }

  /** Columns p, q of {@code m} ← (c·p - s·q, s·p + c·q). */
  private static void rotate(Matrix m, int p, int q, double c, double s) {
    for (int i = 0; i < m.rows(); i++) {
      double xp = m.get(i, p);
      double xq = m.get(i, q);
      m.set(i, p, c * xp - s * xq);
      m.set(i, q, s * xp + c * xq);
    }
  }

  /**
   * torch.svd_lowrank(A, q, niter): approximately the top {@code q} singular triplets, from a random
   * start drawn from {@code rng}. U [m, q], S [q], V [n, q].
   */
  public static Result randomized(Matrix a, int q, int niter, Rng rng) {
    if (a.rows() < a.cols()) {
      Result t = randomized(a.transpose(), q, niter, rng);
      return new Result(t.v(), t.s(), t.u());
    }
    Matrix at = a.transpose();
    Matrix omega = Matrix.zeros(a.cols(), q);
    for (int i = 0; i < omega.a().length; i++) omega.a()[i] = rng.nextGaussian();
    Matrix basis = Householder.qr(a.times(omega)).q();
    for (int it = 0; it < niter; it++) {
      basis = Householder.qr(at.times(basis)).q();
      basis = Householder.qr(a.times(basis)).q();
    }
    Result small = exact(basis.transpose().times(a));   // [q, n] = U'·S·Vᵀ
    return new Result(basis.times(small.u()), small.s(), small.v());
  }
}
