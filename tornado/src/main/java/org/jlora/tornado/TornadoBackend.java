package org.jlora.tornado;

import org.jlora.engine.Backend;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.ConvGeometry;
import org.jlora.engine.UnaryOp;
import org.jlora.engine.VectorBackend;

/**
 * The engine's kernels offloaded through TornadoVM (a GPU, or any OpenCL device such as PoCL on
 * the CPU). Select it with {@code -Djlora.backend=tornado} in a JVM started by TornadoVM's launcher.
 *
 * <p>On the device: {@link #matmul} (a KernelContext kernel with local-memory tiles, every
 * transposition, batched and shared-B), {@link #binary}, {@link #unary}, {@link #unaryBackward},
 * {@link #axpy}, {@link #scale}, {@link #adamw}, the four softmax kernels, and LayerNorm forward and
 * backward. Still on the CPU, delegated to {@link VectorBackend}: the reductions ({@link #sum},
 * {@link #max}, {@link #sumRows}, {@link #maxRows}, {@link #sumColumns}), im2col/col2im,
 * gather/scatter of embedding rows, and any call with an empty dimension.
 *
 * <p>Each kernel and shape compiles one task graph on first use and reuses it. The contract hands
 * over heap {@code float[]} windows, so every call copies its operands to the device and its
 * results back: nothing stays resident between calls (see the module README for what that costs).
 *
 * <p>A TornadoVM bailout (a kernel it cannot compile, run as sequential Java instead) is an error:
 * the backend starts the runtime with {@code tornado.recover.bailout=false} and refuses to be
 * created where that was explicitly turned back on.
 */
public final class TornadoBackend implements Backend {
  private final Backend cpu = new VectorBackend();
  private final MatmulOffload matmuls = new MatmulOffload();
  private final ElementwiseOffload elementwise = new ElementwiseOffload();
  private final RowOffload rows = new RowOffload();

  /** Needs the TornadoVM runtime in this JVM (see {@link TornadoProvider#unavailableReason()}). */
  public TornadoBackend() {
    DeviceGraph.configureRuntime();
  }

  @Override public String name() { return "tornado"; }

  @Override public void matmul(int batch, int m, int n, int k, float[] a, int aOff, boolean transA,
                               float[] b, int bOff, boolean transB, boolean shareB,
                               float[] c, int cOff, boolean accumulate) {
    if (batch == 0 || m == 0 || n == 0 || k == 0) {
      cpu.matmul(batch, m, n, k, a, aOff, transA, b, bOff, transB, shareB, c, cOff, accumulate);
      return;
    }
    matmuls.matmul(batch, m, n, k, a, aOff, transA, b, bOff, transB, shareB, c, cOff, accumulate);
  }

  @Override public void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff,
                               int bLen, float[] out, int outOff) {
    if (n == 0) return;
    elementwise.binary(op, n, a, aOff, aLen, b, bOff, bLen, out, outOff);
  }

  @Override public void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff) {
    if (n == 0) return;
    elementwise.unary(op, n, x, xOff, out, outOff);
  }

  @Override public void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff,
                                      float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    if (n == 0) return;
    elementwise.unaryBackward(op, n, x, xOff, y, yOff, dy, dyOff, dx, dxOff, accumulate);
  }

  @Override public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    if (n == 0) return;
    elementwise.axpy(n, alpha, x, xOff, y, yOff);
  }

  @Override public void scale(int n, float alpha, float[] x, int xOff) {
    if (n == 0) return;
    elementwise.scale(n, alpha, x, xOff);
  }

  @Override public void adamw(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff,
                              float[] v, int vOff, float lr, float beta1, float beta2, float eps,
                              float weightDecay, float bc1, float bc2) {
    if (n == 0) return;
    elementwise.adamw(n, p, pOff, g, gOff, m, mOff, v, vOff, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
  }

  /** On the CPU ({@link VectorBackend}): a scalar result is not worth a device round trip. */
  @Override public double sum(int n, float[] x, int off) {
    return cpu.sum(n, x, off);
  }

  /** On the CPU ({@link VectorBackend}). */
  @Override public float max(int n, float[] x, int off) {
    return cpu.max(n, x, off);
  }

  /** On the CPU ({@link VectorBackend}). */
  @Override public void sumRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    cpu.sumRows(rows, cols, x, xOff, out, outOff);
  }

  /** On the CPU ({@link VectorBackend}). */
  @Override public void maxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) {
    cpu.maxRows(rows, cols, x, xOff, out, outOff);
  }

  /** On the CPU ({@link VectorBackend}). */
  @Override public void sumColumns(int rows, int cols, float[] x, int xOff, float[] out, int outOff,
                                   boolean accumulate) {
    cpu.sumColumns(rows, cols, x, xOff, out, outOff, accumulate);
  }

  @Override public void softmaxRows(int r, int cols, float[] x, int xOff, float[] out, int outOff) {
    if (r == 0 || cols == 0) return;
    rows.softmax(false, r, cols, x, xOff, out, outOff);
  }

  @Override public void logSoftmaxRows(int r, int cols, float[] x, int xOff, float[] out, int outOff) {
    if (r == 0 || cols == 0) return;
    rows.softmax(true, r, cols, x, xOff, out, outOff);
  }

  @Override public void softmaxBackwardRows(int r, int cols, float[] y, int yOff, float[] dy, int dyOff,
                                            float[] dx, int dxOff, boolean accumulate) {
    if (r == 0 || cols == 0) return;
    rows.softmaxBackward(false, r, cols, y, yOff, dy, dyOff, dx, dxOff, accumulate);
  }

  @Override public void logSoftmaxBackwardRows(int r, int cols, float[] y, int yOff, float[] dy,
                                               int dyOff, float[] dx, int dxOff, boolean accumulate) {
    if (r == 0 || cols == 0) return;
    rows.softmaxBackward(true, r, cols, y, yOff, dy, dyOff, dx, dxOff, accumulate);
  }

  @Override public void layerNormForward(int r, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                         float[] beta, int bOff, float eps, float[] out, int outOff,
                                         float[] mean, int meanOff, float[] rstd, int rstdOff) {
    if (r == 0 || cols == 0) {
      cpu.layerNormForward(r, cols, x, xOff, gamma, gOff, beta, bOff, eps, out, outOff, mean, meanOff,
          rstd, rstdOff);
      return;
    }
    rows.layerNormForward(r, cols, x, xOff, gamma, gOff, beta, bOff, eps, out, outOff, mean, meanOff,
        rstd, rstdOff);
  }

  @Override public void layerNormBackward(int r, int cols, float[] x, int xOff, float[] gamma, int gOff,
                                          float[] mean, int meanOff, float[] rstd, int rstdOff,
                                          float[] dy, int dyOff, float[] dx, int dxOff,
                                          float[] dgamma, int dgOff, float[] dbeta, int dbOff,
                                          boolean accumulate) {
    if (r == 0 || cols == 0) {
      cpu.layerNormBackward(r, cols, x, xOff, gamma, gOff, mean, meanOff, rstd, rstdOff, dy, dyOff, dx,
          dxOff, dgamma, dgOff, dbeta, dbOff, accumulate);
      return;
    }
    rows.layerNormBackward(r, cols, x, xOff, gamma, gOff, mean, meanOff, rstd, rstdOff, dy, dyOff, dx,
        dxOff, dgamma, dgOff, dbeta, dbOff, accumulate);
  }

  /** On the CPU ({@link VectorBackend}). */
  @Override public void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff) {
    cpu.im2col(g, x, xOff, col, colOff);
  }

  /** On the CPU ({@link VectorBackend}). */
  @Override public void col2im(ConvGeometry g, float[] col, int colOff, float[] dx, int dxOff,
                               boolean accumulate) {
    cpu.col2im(g, col, colOff, dx, dxOff, accumulate);
  }

  /** On the CPU ({@link VectorBackend}). */
  @Override public void gatherRows(int count, int dim, float[] table, int tableOff, int vocab, int[] ids,
                                   int idsOff, float[] out, int outOff) {
    cpu.gatherRows(count, dim, table, tableOff, vocab, ids, idsOff, out, outOff);
  }

  /** On the CPU ({@link VectorBackend}). */
  @Override public void scatterAddRows(int count, int dim, float[] dOut, int dOutOff, int[] ids,
                                       int idsOff, float[] dTable, int tableOff, int vocab) {
    cpu.scatterAddRows(count, dim, dOut, dOutOff, ids, idsOff, dTable, tableOff, vocab);
  }
}
