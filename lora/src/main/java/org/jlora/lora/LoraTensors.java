package org.jlora.lora;

import org.jlora.engine.Backends;
import org.jlora.engine.DType;
import org.jlora.engine.Tensor;

/** Small tensor helpers the LoRA layers share (outside the autograd graph: merge math). */
final class LoraTensors {
  private LoraTensors() {}

  /** {@code t *= alpha} in place; returns t. */
  static Tensor scaleInPlace(Tensor t, float alpha) {
    Backends.current().elementwise().scale(alpha, t);
    return t;
  }

  /**
   * Refuses {@code what} ("merging adapter 'x'", "PiSSA initialisation") on a base weight kept in
   * bf16: such a weight is frozen and read-only, and is never widened behind the caller's back.
   */
  static void requireF32Base(Tensor w, String what) {
    if (w.dtype() != DType.F32) {
      throw new IllegalStateException(what + " writes or reads the base weight as f32, but it is kept as "
          + w.storage().describe() + " (a frozen, read-only base); load the model with its weights in f32"
          + " (--base-dtype f32 on the command line)");
    }
  }

  /** A fresh {@code [cols, rows]} copy of a 2-d {@code [rows, cols]} tensor. */
  static Tensor transpose(Tensor t) {
    int rows = t.dim(0);
    int cols = t.dim(1);
    float[] src = t.data();
    int off = t.offset();
    float[] dst = new float[rows * cols];
    for (int i = 0; i < rows; i++) {
      for (int j = 0; j < cols; j++) dst[j * rows + i] = src[off + i * cols + j];
    }
    return Tensor.of(dst, cols, rows);
  }
}
