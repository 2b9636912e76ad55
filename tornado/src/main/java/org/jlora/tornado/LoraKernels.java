package org.jlora.tornado;

import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * loralib's MergedLinear on the device, the low-rank half of it (the base product is a plain
 * matmul). With {@code nOn} enabled output slices of {@code outPer} columns each, slice q lying
 * at column block {@code slices[q]} of the output, and s = alpha / r:
 *
 * <pre>
 *   u = x·Aᵀ                    [rows, r·nOn]          (a matmul)
 *   y[:, slice q] += s · u_q·B_qᵀ                       (up)
 *   du_q = s · dy[:, slice q]·B_q     [rows, r]         (down; then dA = duᵀ·x, dx += du·A: matmuls)
 *   dB_q = s · dy[:, slice q]ᵀ·u_q    [outPer, r]       (gradB)
 * </pre>
 *
 * Each kernel owns its outputs (one work-item per output element); r is small, so the sums over
 * r are short and the sums over rows run in each work-item. {@code params[0]} holds s.
 */
final class LoraKernels {
  private LoraKernels() {}

  // u: [rows, r·nOn], b: [outPer·nOn, r] -> y: [rows, outW] += s · u_q·B_qᵀ in the enabled slices
  static void up(FloatArray params, FloatArray u, FloatArray b, IntArray slices, FloatArray y,
                 int rows, int outPer, int rank, int nOn, int outW) {
    for (@Parallel int i = 0; i < rows * nOn * outPer; i++) {
      int row = i / (nOn * outPer);
      int q = (i / outPer) % nOn;
      int c = i % outPer;
      float acc = 0f;
      for (int k = 0; k < rank; k++) {
        acc += u.get(row * rank * nOn + q * rank + k) * b.get((q * outPer + c) * rank + k);
      }
      int at = row * outW + slices.get(q) * outPer + c;
      y.set(at, y.get(at) + params.get(0) * acc);
    }
  }

  // dy: [rows, outW], b: [outPer·nOn, r] -> du: [rows, r·nOn] = s · dy_q·B_q
  static void down(FloatArray params, FloatArray dy, FloatArray b, IntArray slices, FloatArray du,
                   int rows, int outPer, int rank, int nOn, int outW) {
    for (@Parallel int i = 0; i < rows * nOn * rank; i++) {
      int row = i / (nOn * rank);
      int q = (i / rank) % nOn;
      int k = i % rank;
      int dyBase = row * outW + slices.get(q) * outPer;
      float acc = 0f;
      for (int c = 0; c < outPer; c++) acc += dy.get(dyBase + c) * b.get((q * outPer + c) * rank + k);
      du.set(i, params.get(0) * acc);
    }
  }

  // dy: [rows, outW], u: [rows, r·nOn] -> dB: [outPer·nOn, r] = s · dy_qᵀ·u_q
  static void gradB(FloatArray params, FloatArray dy, FloatArray u, IntArray slices, FloatArray db,
                    int rows, int outPer, int rank, int nOn, int outW) {
    for (@Parallel int i = 0; i < nOn * outPer * rank; i++) {
      int q = i / (outPer * rank);
      int c = (i / rank) % outPer;
      int k = i % rank;
      int col = slices.get(q) * outPer + c;
      float acc = 0f;
      for (int row = 0; row < rows; row++) acc += dy.get(row * outW + col) * u.get(row * rank * nOn + q * rank + k);
      db.set(i, params.get(0) * acc);
    }
  }
}
