package org.jlora.tornado.kernels;

import uk.ac.manchester.tornado.api.KernelContext;
import uk.ac.manchester.tornado.api.WorkerGrid3D;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;

/**
 * Batched matmul as a TornadoVM {@link KernelContext} kernel with local-memory tiles and register
 * blocking: {@code C_b[m, n] (+)= op(A_b)[m, k] · op(B_b)[k, n]}, the engine's {@code MatmulKernels.matmul}. Every operand is a window
 * {@code (array, offset)}, so the three may be regions of one device buffer (a compiled step's arena).
 *
 * <p>A work-group of {@value #GROUP}x{@value #GROUP} work-items owns a {@value #BLOCK}x{@value #BLOCK}
 * block of C; each work-item owns {@value #PER_ITEM}x{@value #PER_ITEM} of its outputs, strided by
 * {@value #GROUP} so that neighbouring work-items touch neighbouring columns (coalesced on a GPU).
 * The group walks k {@value #GROUP} at a time: together its work-items load a
 * {@code BLOCK x GROUP} tile of op(A) and a {@code GROUP x BLOCK} tile of op(B) into local memory
 * (zero past the edges), wait at a barrier, and each accumulates its 16 outputs from the tiles in
 * private registers: 8 local reads per 16 multiply-adds instead of 2 per 1. The int arguments are
 * constants of the compiled graph (one graph per shape), so the transposition tests fold away.
 *
 * <p>Grid: x over column blocks, y over row blocks, z over the batch (one group deep).
 */
public final class MatmulKernel {
  private MatmulKernel() {}

  /** Work-group edge (16x16 = 256 work-items, within every OpenCL device's limit) and k-step. */
  public static final int GROUP = 16;
  /** Outputs per work-item along each axis. */
  public static final int PER_ITEM = 4;
  /** Edge of the block of C one work-group computes. */
  public static final int BLOCK = GROUP * PER_ITEM;

  // A_b: [m, k] (or [k, m] when transA), B_b: [k, n] (or [n, k] when transB), C_b: [m, n]
  public static void matmul(KernelContext ctx, FloatArray mem, int aOff, int bOff, int cOff,
                            int m, int n, int k, int transA, int transB, int shareB, int accumulate) {
    float[] aTile = ctx.allocateFloatLocalArray(BLOCK * GROUP);  // aTile[r][kk] = op(A)[row0 + r, t + kk]
    float[] bTile = ctx.allocateFloatLocalArray(GROUP * BLOCK);  // bTile[kk][j] = op(B)[t + kk, col0 + j]
    float[] acc = new float[PER_ITEM * PER_ITEM];                // acc[r][j]: C[row0 + ty + GROUP r, col0 + tx + GROUP j]
    int tx = ctx.localIdx;
    int ty = ctx.localIdy;
    int row0 = ctx.groupIdy * BLOCK;
    int col0 = ctx.groupIdx * BLOCK;
    int batch = ctx.groupIdz;
    int aBase = aOff + batch * m * k;
    int bBase = bOff + (shareB == 1 ? 0 : batch * k * n);
    for (int i = 0; i < PER_ITEM * PER_ITEM; i++) acc[i] = 0f;

    for (int t = 0; t < k; t += GROUP) {
      for (int r = 0; r < PER_ITEM; r++) {
        int row = row0 + ty + GROUP * r;
        int ka = t + tx;
        float av = 0f;
        if (row < m && ka < k) {
          av = transA == 1 ? mem.get(aBase + ka * m + row) : mem.get(aBase + row * k + ka);
        }
        aTile[(ty + GROUP * r) * GROUP + tx] = av;
        int col = col0 + tx + GROUP * r;
        int kb = t + ty;
        float bv = 0f;
        if (col < n && kb < k) {
          bv = transB == 1 ? mem.get(bBase + col * k + kb) : mem.get(bBase + kb * n + col);
        }
        bTile[ty * BLOCK + tx + GROUP * r] = bv;
      }
      ctx.localBarrier();
      for (int kk = 0; kk < GROUP; kk++) {
        for (int r = 0; r < PER_ITEM; r++) {
          float av = aTile[(ty + GROUP * r) * GROUP + kk];
          for (int j = 0; j < PER_ITEM; j++) {
            acc[r * PER_ITEM + j] += av * bTile[kk * BLOCK + tx + GROUP * j];
          }
        }
      }
      ctx.localBarrier();
    }

    for (int r = 0; r < PER_ITEM; r++) {
      int row = row0 + ty + GROUP * r;
      for (int j = 0; j < PER_ITEM; j++) {
        int col = col0 + tx + GROUP * j;
        if (row < m && col < n) {
          int ci = cOff + batch * m * n + row * n + col;
          float v = acc[r * PER_ITEM + j];
          mem.set(ci, accumulate == 1 ? mem.get(ci) + v : v);
        }
      }
    }
  }

  /**
   * The work-groups {@link #matmul} runs on for a [batch, m, n] output: x over column blocks,
   * y over row blocks, z over the batch; whole blocks only (the kernel masks the overhang).
   */
  public static WorkerGrid3D worker(int batch, int m, int n) {
    WorkerGrid3D worker = new WorkerGrid3D(blocks(n) * GROUP, blocks(m) * GROUP, batch);
    worker.setLocalWork(GROUP, GROUP, 1);
    return worker;
  }

  private static int blocks(int size) {
    return (size + BLOCK - 1) / BLOCK;
  }
}
