package org.jlora.autograd.ops;

import java.util.Arrays;
import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Ops that move elements without arithmetic: reshape (a view), permute/transpose (a copy in the
 * new order; attention's [B, T, H, D] <-> [B, H, T, D]), slice, split and concat along an axis
 * (a fused qkv projection). Each backward moves the gradient back the inverse way.
 *
 * <p>The engine has no gather-by-strides kernel, so permute is a plain loop here; slice and
 * concat copy contiguous blocks ({@code System.arraycopy}) and add them back with {@code axpy}.
 */
public final class ShapeOps {
  private ShapeOps() {}

  /** The same values in a new shape (one dimension may be -1); shares storage with x. */
  public static Variable reshape(Variable x, int... shape) {
    Tensor y = x.value().reshape(shape);
    return Variable.fromOp("reshape", y, g -> x.accumulateOwnedGrad(g), x);   // g is spent: x may keep it
  }

  /** Swaps two axes (negative counts from the end); a contiguous copy. */
  public static Variable transpose(Variable x, int axis1, int axis2) {
    int[] shape = x.shape();
    int a1 = Axes.normalize("transpose", axis1, shape);
    int a2 = Axes.normalize("transpose", axis2, shape);
    int[] perm = new int[shape.length];
    for (int i = 0; i < perm.length; i++) perm[i] = i;
    perm[a1] = a2;
    perm[a2] = a1;
    return permute(x, perm);
  }

  /** Reorders the axes: output axis i is input axis {@code perm[i]}; a contiguous copy. */
  public static Variable permute(Variable x, int... perm) {
    int[] shape = x.shape();
    checkPermutation(shape, perm);
    int[] outShape = new int[shape.length];
    for (int i = 0; i < perm.length; i++) outShape[i] = shape[perm[i]];
    Tensor y = Tensor.zeros(outShape);
    Tensor xv = x.value();
    permuteInto(xv.data(), xv.offset(), shape, perm, y.data(), 0, false);
    int[] inverse = new int[perm.length];
    for (int i = 0; i < perm.length; i++) inverse[perm[i]] = i;
    return Variable.fromOp("permute", y, g -> {
      Tensor dx = x.gradBuffer();
      permuteInto(g.data(), g.offset(), outShape, inverse, dx.data(), dx.offset(), true);
    }, x);
  }

  private static void checkPermutation(int[] shape, int[] perm) {
    boolean ok = perm.length == shape.length;
    boolean[] seen = new boolean[shape.length];
    for (int p : perm) {
      ok &= p >= 0 && p < shape.length && !seen[p];
      if (ok) seen[p] = true;
    }
    if (!ok) {
      throw new ShapeException("permute: " + Arrays.toString(perm) + " is not a permutation of the axes of "
          + Shapes.str(shape));
    }
  }

  /** dst (+)= src [shape] with its axes reordered by perm; the innermost loop walks dst contiguously. */
  private static void permuteInto(float[] src, int srcOff, int[] shape, int[] perm, float[] dst, int dstOff,
                                  boolean accumulate) {
    int rank = shape.length;
    int[] srcStride = new int[rank];
    for (int i = rank - 1, s = 1; i >= 0; i--) {
      srcStride[i] = s;
      s *= shape[i];
    }
    int[] outShape = new int[rank];
    int[] step = new int[rank];   // source stride of each output axis
    for (int i = 0; i < rank; i++) {
      outShape[i] = shape[perm[i]];
      step[i] = srcStride[perm[i]];
    }
    int total = Shapes.size(shape);
    if (total == 0) return;
    int last = rank == 0 ? 1 : outShape[rank - 1];
    int lastStep = rank == 0 ? 0 : step[rank - 1];
    int[] idx = new int[Math.max(rank - 1, 0)];
    int[] outerShape = Arrays.copyOf(outShape, Math.max(rank - 1, 0));
    for (int d = dstOff, end = dstOff + total; d < end; d += last) {
      int s = srcOff;
      for (int i = 0; i < idx.length; i++) s += idx[i] * step[i];
      if (accumulate) {
        for (int j = 0; j < last; j++) dst[d + j] += src[s + j * lastStep];
      } else {
        for (int j = 0; j < last; j++) dst[d + j] = src[s + j * lastStep];
      }
      Broadcast.increment(idx, outerShape);
    }
  }

  /** Elements {@code [from, to)} along {@code axis}; a copy. */
  public static Variable slice(Variable x, int axis, int from, int to) {
    int[] shape = x.shape();
    int ax = Axes.normalize("slice", axis, shape);
    if (from < 0 || to > shape[ax] || from > to) {
      throw new ShapeException("slice [" + from + ", " + to + ") along axis " + axis + " of shape "
          + Shapes.str(shape));
    }
    int outer = Axes.outer(shape, ax);
    int len = shape[ax];
    int inner = Axes.inner(shape, ax);
    int width = (to - from) * inner;
    int[] outShape = shape.clone();
    outShape[ax] = to - from;
    Tensor y = Tensor.zeros(outShape);
    Tensor xv = x.value();
    // x: [outer, len, inner] -> y: [outer, to - from, inner]
    for (int o = 0; o < outer; o++) {
      System.arraycopy(xv.data(), xv.offset() + (o * len + from) * inner, y.data(), o * width, width);
    }
    return Variable.fromOp("slice", y, g -> {
      Backend be = Backends.current();
      Tensor dx = x.gradBuffer();
      for (int o = 0; o < outer; o++) {
        be.elementwise().axpy(1f, g.window(o * width, width), dx.window((o * len + from) * inner, width));
      }
    }, x);
  }

  /** Consecutive slices of the given sizes along {@code axis}; the sizes must add up to its length. */
  public static Variable[] split(Variable x, int axis, int... sizes) {
    int[] shape = x.shape();
    int ax = Axes.normalize("split", axis, shape);
    int total = 0;
    for (int s : sizes) total += s;
    if (total != shape[ax]) {
      throw new ShapeException("split: sizes " + Arrays.toString(sizes) + " do not add up to " + shape[ax]
          + ", axis " + axis + " of shape " + Shapes.str(shape));
    }
    Variable[] parts = new Variable[sizes.length];
    for (int i = 0, from = 0; i < sizes.length; from += sizes[i], i++) {
      parts[i] = slice(x, ax, from, from + sizes[i]);
    }
    return parts;
  }

  /** Joins variables along {@code axis}; all other dimensions must agree. */
  public static Variable concat(int axis, Variable... xs) {
    if (xs.length == 0) throw new IllegalArgumentException("concat needs at least one variable");
    int[] first = xs[0].shape();
    int ax = Axes.normalize("concat", axis, first);
    int[] outShape = first.clone();
    outShape[ax] = 0;
    for (Variable v : xs) {
      int[] s = v.shape();
      boolean ok = s.length == first.length;
      for (int i = 0; ok && i < s.length; i++) ok = i == ax || s[i] == first[i];
      if (!ok) throw new ShapeException("concat along axis " + axis, first, s);
      outShape[ax] += s[ax];
    }
    int outer = Axes.outer(first, ax);
    int inner = Axes.inner(first, ax);
    int outWidth = outShape[ax] * inner;
    Tensor y = Tensor.zeros(outShape);
    int[] starts = new int[xs.length];   // each input's column start within an output row block
    for (int i = 0, at = 0; i < xs.length; i++) {
      starts[i] = at;
      Tensor v = xs[i].value();
      int width = v.dim(ax) * inner;
      for (int o = 0; o < outer; o++) {
        System.arraycopy(v.data(), v.offset() + o * width, y.data(), o * outWidth + at, width);
      }
      at += width;
    }
    return Variable.fromOp("concat", y, g -> {
      Backend be = Backends.current();
      for (int i = 0; i < xs.length; i++) {
        if (!xs[i].requiresGrad()) continue;
        Tensor dx = xs[i].gradBuffer();
        int width = dx.dim(ax) * inner;
        for (int o = 0; o < outer; o++) {
          be.elementwise().axpy(1f, g.window(o * outWidth + starts[i], width), dx.window(o * width, width));
        }
      }
    }, xs);
  }
}
