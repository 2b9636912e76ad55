package org.jlora.examples.checkpoint;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Linear;
import org.jlora.engine.Bf16;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.LayerSource;
import org.jlora.lora.io.DType;

/**
 * A model's layers built on a Hugging Face directory's tensors, each read once: weight matrices in
 * f32 or kept in bf16 as {@link BaseDType} says, biases in f32. Every tensor handed out is kept
 * by name in {@link #loaded()}, so the model's state dict can be completed (norms) without
 * reading anything twice.
 */
public final class CheckpointLayers implements LayerSource {
  private final HfDirectory hf;
  private final BaseDType dtype;
  private final Map<String, Tensor> loaded = new LinkedHashMap<>();

  public CheckpointLayers(HfDirectory hf, BaseDType dtype) {
    this.hf = hf;
    this.dtype = dtype;
  }

  @Override
  public Linear linear(String name, int in, int out, boolean bias) {
    Parameter w = matrix(name + ".weight", out, in);
    return new Linear(w, bias ? new Parameter(f32(name + ".bias", out)) : null);
  }

  @Override
  public Embedding embedding(String name, int num, int dim) {
    return new Embedding(matrix(name + ".weight", num, dim));
  }

  /** The tensors handed out so far, by name (the very tensors the model's parameters hold). */
  public Map<String, Tensor> loaded() {
    return loaded;
  }

  /** A weight matrix [rows, cols]: bf16 and frozen, or f32 (trainable as the run decides). */
  private Parameter matrix(String name, int rows, int cols) {
    requireShape(name, rows, cols);
    boolean storedBf16 = hf.dtype(name) == DType.BF16;
    boolean keepBf16 = dtype == BaseDType.BF16 || (dtype == BaseDType.AUTO && storedBf16);
    if (!keepBf16) return new Parameter(f32(name, rows, cols));
    try {
      Tensor t = storedBf16 ? hf.bf16Tensor(name)
          : Tensor.ofBf16(Bf16.fromFloats(hf.tensor(name).data()), rows, cols);   // one tensor in f32 at a time
      loaded.put(name, t);
      return new Parameter(t, false);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Tensor f32(String name, int... shape) {
    requireShape(name, shape);
    try {
      Tensor t = hf.tensor(name);
      loaded.put(name, t);
      return t;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void requireShape(String name, int... shape) {
    int[] stored = hf.shape(name);   // a missing tensor is named here, with some that exist
    if (!java.util.Arrays.equals(stored, shape)) {
      throw new ShapeException(hf.dir() + ": tensor '" + name + "' has shape " + Shapes.str(stored)
          + " but the config says " + Shapes.str(shape) + "; the config and the weights do not belong together");
    }
  }
}
