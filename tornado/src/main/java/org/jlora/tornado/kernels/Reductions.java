package org.jlora.tornado.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.WorkerGrid1D;
import uk.ac.manchester.tornado.api.annotations.Parallel;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * The engine's reductions that stay on the device: sums of squares into a one-element window
 * (a gradient norm), row sums and maxima, column sums. Row and column reductions give one
 * work-item a whole row (column) summed in order; sums (of squares) into one element are a two-stage tree:
 * {@value #GROUPS} work-groups of {@value #LOCAL} work-items each stride over the input, add
 * their values in a local-memory tree and leave one partial per group; one work-group then adds
 * the partials the same way. Accumulation is f32 in a fixed order for a given size (the device
 * result does not depend on timing); NaN and infinities propagate through the adds.
 */
public final class Reductions {
  private Reductions() {}

  /** Work-items per work-group of the tree reductions (a power of two). */
  public static final int LOCAL = 256;
  /** Work-groups of the first stage (so {@value #GROUPS} partials). */
  public static final int GROUPS = 64;

  /** Stage 1: {@code partial[group] = sum of x[i] (square = 0) or x[i]² (square = 1) over the group's stride of x}. */
  // x: [n] -> partial: [GROUPS]
  public static void partials(KernelContext ctx, FloatArray mem, int xOff, int n, int square, int pOff) {
    float[] local = ctx.allocateFloatLocalArray(LOCAL);
    int lid = ctx.localIdx;
    int group = ctx.groupIdx;
    float acc = 0f;
    for (int i = group * LOCAL + lid; i < n; i += GROUPS * LOCAL) {
      float v = mem.get(xOff + i);
      acc += square == 1 ? v * v : v;
    }
    local[lid] = acc;
    for (int stride = LOCAL / 2; stride > 0; stride /= 2) {
      ctx.localBarrier();
      if (lid < stride) local[lid] = local[lid] + local[lid + stride];
    }
    if (lid == 0) mem.set(pOff + group, local[0]);
  }

  /**
   * Stage 2: {@code out[0] = scale · sum of count partials}, laid out as {@code count} consecutive
   * floats from pOff (several tensors' partials may follow one another), scale read from
   * {@code (p, sOff)}; one work-group.
   */
  // partial: [count] -> out: [1]
  public static void sumPartials(KernelContext ctx, FloatArray mem, int pOff, int count,
                                 int sOff, int outOff) {
    float[] local = ctx.allocateFloatLocalArray(LOCAL);
    int lid = ctx.localIdx;
    float acc = 0f;
    for (int i = lid; i < count; i += LOCAL) acc += mem.get(pOff + i);
    local[lid] = acc;
    for (int stride = LOCAL / 2; stride > 0; stride /= 2) {
      ctx.localBarrier();
      if (lid < stride) local[lid] = local[lid] + local[lid + stride];
    }
    if (lid == 0) mem.set(outOff, mem.get(sOff) * local[0]);
  }

  /** The grid of {@link #partials}. */
  public static WorkerGrid1D partialsGrid() {
    WorkerGrid1D grid = new WorkerGrid1D(GROUPS * LOCAL);
    grid.setLocalWork(LOCAL, 1, 1);
    return grid;
  }

  /** The grid of {@link #sumPartials}: one work-group. */
  public static WorkerGrid1D finalGrid() {
    WorkerGrid1D grid = new WorkerGrid1D(LOCAL);
    grid.setLocalWork(LOCAL, 1, 1);
    return grid;
  }

  // x: [rows, cols], cols >= 1 -> out: [rows] = sum (op 0) or max (op 1) of each row, in order;
  // a NaN in a row makes its max NaN (tested explicitly, not left to fmax)
  public static void rows(FloatArray mem, int xOff, int outOff, int rows, int cols, int op) {
    for (@Parallel int r = 0; r < rows; r++) {
      int row = xOff + r * cols;
      float acc = mem.get(row);
      for (int c = 1; c < cols; c++) {
        float v = mem.get(row + c);
        if (op == 0) {
          acc += v;
        } else if (acc == acc && (v > acc || v != v)) {
          acc = v;
        }
      }
      mem.set(outOff + r, acc);
    }
  }

  // x: [rows, cols] -> out: [cols] (+)= the column sums, rows in order
  public static void columns(FloatArray mem, int xOff, int outOff, int rows, int cols, int accumulate) {
    for (@Parallel int c = 0; c < cols; c++) {
      float acc = 0f;
      for (int r = 0; r < rows; r++) acc += mem.get(xOff + r * cols + c);
      mem.set(outOff + c, accumulate == 1 ? mem.get(outOff + c) + acc : acc);
    }
  }
}
