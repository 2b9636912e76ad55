package org.jlora.lora;

import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.lora.linalg.Householder;
import org.jlora.lora.linalg.Matrix;
import org.jlora.lora.linalg.Svd;

/**
 * The initialisations of a dense layer's A [r, in] and B [out, r] that are computed from its
 * weight W [out, in] (PEFT's {@code pissa_init}, {@code olora_init}, {@code orthogonal_init}).
 *
 * <pre>
 *   PiSSA:  W = U·S·Vᵀ (top r triplets), B = U_r·sqrt(S_r/s), A = sqrt(S_r/s)·V_rᵀ, base W ← W - s·B·A
 *   OLoRA:  W = Q·R,                     B = Q[:, :r],        A = R[:r, :],         base W ← W - s·B·A
 *   orthogonal: Q = qr(randn(r, r)).Q,   A = (randn(in, r/2)·Q[odd rows])ᵀ / 10,
 *                                        B = randn(r/2, out)ᵀ·Q[even rows] / 10    (B·A = 0: Q's rows are orthogonal)
 * </pre>
 *
 * <p>With PiSSA and OLoRA the adapter starts with the weight's principal (or leading QR) part and the
 * base keeps the residual, so the layer's output is unchanged but training moves the most important
 * directions. Their factors are unique up to the signs of paired columns and rows, which cancel in
 * B·A, so the residual base is the same whoever computes it (torch or here) — which is what lets a
 * saved PiSSA adapter be loaded onto the original base by redoing the decomposition, as PEFT does.
 */
final class DecompositionInit {
  private DecompositionInit() {}

  /** A, B and the residual base weight W - s·B·A, all float; W is [out, in] here. */
  record Factors(Tensor a, Tensor b, Tensor residual) {}

  /** PiSSA; {@code niter} 0 means the exact SVD, otherwise torch.svd_lowrank's randomized one. */
  static Factors pissa(Tensor w, int r, float scaling, int niter, Rng rng) {
    requireRank(w, r, "pissa");
    Matrix m = Matrix.of(w);
    Svd.Result top = niter == 0 ? Svd.exact(m).top(r) : Svd.randomized(m, r, niter, rng);
    int out = w.dim(0);
    int in = w.dim(1);
    Matrix a = Matrix.zeros(r, in);
    Matrix b = Matrix.zeros(out, r);
    for (int k = 0; k < r; k++) {
      // PEFT divides the singular values by the scaling in float: s·B·A is then exactly the top-r part
      double root = Math.sqrt((float) ((float) top.s()[k] / scaling));
      for (int j = 0; j < in; j++) a.set(k, j, root * top.v().get(j, k));
      for (int i = 0; i < out; i++) b.set(i, k, top.u().get(i, k) * root);
    }
    return withResidual(w, a.toTensor(), b.toTensor(), scaling);
  }

  /** OLoRA. */
  static Factors olora(Tensor w, int r, float scaling) {
    requireRank(w, r, "olora");
    Householder.QR qr = Householder.qr(Matrix.of(w));
    return withResidual(w, qr.r().rowRange(0, r).toTensor(), qr.q().colRange(0, r).toTensor(), scaling);
  }

  /** Orthogonal init (r even); the base is not touched. */
  static Factors orthogonal(int in, int out, int r, Rng rng) {
    if (r % 2 != 0) throw new IllegalArgumentException("init_lora_weights 'orthogonal' needs an even rank, got r = " + r);
    Matrix q = Householder.qr(gaussian(rng, r, r)).q();
    Matrix odd = Matrix.zeros(r / 2, r);    // rows 0, 2, 4, ... (PEFT's Q[0::2])
    Matrix even = Matrix.zeros(r / 2, r);   // rows 1, 3, 5, ...
    for (int i = 0; i < r / 2; i++) {
      for (int j = 0; j < r; j++) {
        odd.set(i, j, q.get(2 * i, j));
        even.set(i, j, q.get(2 * i + 1, j));
      }
    }
    Matrix a = gaussian(rng, in, r / 2).times(odd).transpose();   // [r, in]
    Matrix b = gaussian(rng, r / 2, out).transpose().times(even);  // [out, r]
    for (int i = 0; i < a.a().length; i++) a.a()[i] /= 10;
    for (int i = 0; i < b.a().length; i++) b.a()[i] /= 10;
    return new Factors(a.toTensor(), b.toTensor(), null);
  }

  private static Matrix gaussian(Rng rng, int rows, int cols) {
    Matrix m = Matrix.zeros(rows, cols);
    for (int i = 0; i < m.a().length; i++) m.a()[i] = rng.nextGaussian();
    return m;
  }

  /** W - s·B·A in float, as PEFT forms it from the float factors. */
  private static Factors withResidual(Tensor w, Tensor a, Tensor b, float scaling) {
    Tensor ba = org.jlora.engine.Backends.current().matmul().matmul(b, false, a, false);
    float[] res = new float[w.size()];
    for (int i = 0; i < res.length; i++) res[i] = w.get(i) - scaling * ba.get(i);
    return new Factors(a, b, Tensor.of(res, w.dim(0), w.dim(1)));
  }

  private static void requireRank(Tensor w, int r, String init) {
    int max = Math.min(w.dim(0), w.dim(1));
    if (r > max) {
      throw new IllegalArgumentException("init_lora_weights '" + init + "': r = " + r + " exceeds min(out, in) = " + max
          + " of the weight " + w.dim(0) + "x" + w.dim(1));
    }
  }
}
