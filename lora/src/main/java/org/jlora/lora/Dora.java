package org.jlora.lora;

import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.engine.Tensor;

/**
 * DoRA (weight-decomposed LoRA, PEFT's {@code use_dora}) for dense layers: the adapted weight is a
 * learned magnitude per output feature times the direction of {@code W + ΔW}:
 *
 * <pre>
 *   W' = m ⊙ (W + s·B·A) / ‖W + s·B·A‖        m, ‖·‖: [out], one entry per output feature (row of W [out, in])
 *   y  = x·W'ᵀ + b
 *      = x·Wᵀ + b + (m/‖·‖ - 1) ⊙ x·Wᵀ + (m/‖·‖) ⊙ s·(x·Aᵀ)·Bᵀ      (what the forward computes: no W' is formed)
 * </pre>
 *
 * <p>PEFT calls the norm a column norm (of {@code Wᵀ}); it is taken over the input dimension. As in
 * the paper (section 4.3) and PEFT, the norm is <em>detached</em>: it is recomputed from the current
 * A and B at every forward but treated as a constant by backpropagation, so A and B get their
 * gradient only through the low-rank path and m through {@code m / ‖·‖}. The magnitude starts at
 * {@code ‖W + s·B·A‖}, so a fresh DoRA layer computes exactly what the base layer (plus its LoRA) does.
 */
final class Dora {
  private Dora() {}

  /**
   * ‖W + ΔW‖ per output feature: [out]. {@code w} and {@code delta} share the base weight's storage,
   * [out, in], or [in, out] when {@code fanInFanOut} (then the norm runs down each column).
   */
  static Tensor weightNorm(Tensor w, Tensor delta, boolean fanInFanOut) {
    int rows = w.dim(0);
    int cols = w.dim(1);
    int out = fanInFanOut ? cols : rows;
    double[] sq = new double[out];
    float[] wd = w.data();
    float[] dd = delta.data();
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        // float sum first (what PEFT forms), squares accumulated in double for a stable norm
        float v = wd[w.offset() + i * cols + j] + dd[delta.offset() + i * cols + j];
        sq[fanInFanOut ? j : i] += (double) v * v;
      }
    }
    float[] norm = new float[out];
    for (int o = 0; o < out; o++) norm[o] = (float) Math.sqrt(sq[o]);
    return Tensor.of(norm, out);
  }

  /** The magnitude a new adapter starts with: ‖W + ΔW‖, so that the layer's output is unchanged. */
  static Parameter initialMagnitude(Tensor w, Tensor delta, boolean fanInFanOut) {
    return new Parameter(weightNorm(w, delta, fanInFanOut));
  }

  /**
   * The DoRA output added onto the base output {@code y} (which holds the bias):
   * {@code y + (m/‖·‖ - 1) ⊙ (y - b) + (m/‖·‖) ⊙ lowRank}, where {@code lowRank = s·(x·Aᵀ)·Bᵀ}.
   * All [N, out] but m and the norm, [out] (broadcast over rows).
   *
   * @param baseNoBias {@code x·Wᵀ} on the adapter's (possibly dropped-out) input
   * @param norm       ‖W + ΔW‖, a constant here (detached)
   */
  static Variable addDora(Variable y, Variable baseNoBias, Variable lowRank, Parameter magnitude, Tensor norm) {
    Variable factor = F.div(magnitude, Variable.constant(norm));                   // m / ‖·‖: [out]
    Variable minusOne = F.sub(factor, Variable.constant(Tensor.ones(norm.size())));
    return F.add(y, F.add(F.mul(minusOne, baseNoBias), F.mul(factor, lowRank)));
  }

  /**
   * The change merging makes to the stored weight, {@code W' - W} with
   * {@code W' = (m/‖W + ΔW‖) ⊙ (W + ΔW)} per output feature (PEFT's merge); {@code w} must be the
   * unmerged weight, {@code delta} the scaled {@code s·B·A} in its layout.
   */
  static Tensor mergeDelta(Tensor w, Tensor delta, Tensor magnitude, boolean fanInFanOut) {
    Tensor norm = weightNorm(w, delta, fanInFanOut);
    int rows = w.dim(0);
    int cols = w.dim(1);
    float[] out = new float[rows * cols];
    float[] wd = w.data();
    float[] dd = delta.data();
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) {
        int o = fanInFanOut ? j : i;
        float factor = magnitude.get(o) / norm.get(o);
        float base = wd[w.offset() + i * cols + j];
        out[i * cols + j] = factor * (base + dd[delta.offset() + i * cols + j]) - base;
      }
    }
    return Tensor.of(out, rows, cols);
  }
}
