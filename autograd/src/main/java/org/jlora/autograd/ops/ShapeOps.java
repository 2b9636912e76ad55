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
 * <p>Every move is the elementwise family's strided copy: a permute reads the input with its
 * strides reordered; a slice or a piece of a concatenation is a [outer, width] block whose rows
 * lie {@code len·inner} apart. Backward is the same walk with source and destination swapped,
 * adding into the gradient.
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
    int[] inStrides = Shapes.strides(shape);
    int[] step = new int[shape.length];   // how far x moves for one step along each output axis
    for (int i = 0; i < perm.length; i++) {
      outShape[i] = shape[perm[i]];
      step[i] = inStrides[perm[i]];
    }
    Backend be = Backends.current();
    Tensor y = Tensor.zeros(outShape);
    // x read along its permuted strides -> y [outShape] written in order
    be.elementwise().copyStrided(outShape, x.value(), 0, step, y, 0, Shapes.strides(outShape), false);
    return Variable.fromOp("permute", y, g -> {
      // the same walk backwards: g in order, added into dx along the permuted strides
      be.elementwise().copyStrided(outShape, g, 0, Shapes.strides(outShape), x.gradBuffer(), 0, step, true);
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
    Backend be = Backends.current();
    Tensor y = Tensor.zeros(outShape);
    // x: [outer, len, inner] -> y: [outer, to - from, inner], one block of width elements per outer index
    int[] block = {outer, width};
    int[] xRows = {len * inner, 1};
    int[] yRows = {width, 1};
    be.elementwise().copyStrided(block, x.value(), from * inner, xRows, y, 0, yRows, false);
    return Variable.fromOp("slice", y, g -> {
      be.elementwise().copyStrided(block, g, 0, yRows, x.gradBuffer(), from * inner, xRows, true);
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
    Backend be = Backends.current();
    Tensor y = Tensor.zeros(outShape);
    int[] starts = new int[xs.length];   // each input's column start within an output row block
    int[] yRows = {outWidth, 1};
    for (int i = 0, at = 0; i < xs.length; i++) {
      starts[i] = at;
      int width = xs[i].value().dim(ax) * inner;
      // xs[i]: [outer, width] -> columns [at, at + width) of y: [outer, outWidth]
      be.elementwise().copyStrided(new int[] {outer, width}, xs[i].value(), 0, new int[] {width, 1}, y, at, yRows, false);
      at += width;
    }
    return Variable.fromOp("concat", y, g -> {
      for (int i = 0; i < xs.length; i++) {
        if (!xs[i].requiresGrad()) continue;
        int width = xs[i].value().dim(ax) * inner;
        be.elementwise().copyStrided(new int[] {outer, width}, g, starts[i], yRows, xs[i].gradBuffer(), 0,
            new int[] {width, 1}, true);
      }
    }, xs);
  }
}
