package org.jlora.autograd;

import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.Backend;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.ConvGeometry;
import org.jlora.engine.UnaryOp;

/** A Backend that delegates every kernel and records each matmul call (m, n, k, flags). */
final class CountingBackend implements Backend {
  /** One recorded matmul call. */
  record MatmulCall(int batch, int m, int n, int k, boolean transA, boolean transB, boolean accumulate) {}

  private final Backend inner;
  final List<MatmulCall> matmuls = new ArrayList<>();

  CountingBackend(Backend inner) {
    this.inner = inner;
  }

  @Override public String name() { return "counting(" + inner.name() + ")"; }

  @Override
  public void matmul(int batch, int m, int n, int k, float[] a, int aOff, boolean transA, float[] b, int bOff,
                     boolean transB, boolean shareB, float[] c, int cOff, boolean accumulate) {
    matmuls.add(new MatmulCall(batch, m, n, k, transA, transB, accumulate));
    inner.matmul(batch, m, n, k, a, aOff, transA, b, bOff, transB, shareB, c, cOff, accumulate);
  }

  @Override
  public void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff, int bLen, float[] out, int outOff) {
    inner.binary(op, n, a, aOff, aLen, b, bOff, bLen, out, outOff);
  }

  @Override public void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff) { inner.unary(op, n, x, xOff, out, outOff); }

  @Override
  public void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff, float[] dy, int dyOff,
                            float[] dx, int dxOff, boolean accumulate) {
    inner.unaryBackward(op, n, x, xOff, y, yOff, dy, dyOff, dx, dxOff, accumulate);
  }

  @Override public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) { inner.axpy(n, alpha, x, xOff, y, yOff); }

  @Override public void scale(int n, float alpha, float[] x, int xOff) { inner.scale(n, alpha, x, xOff); }

  @Override
  public void adamw(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff, float lr,
                    float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2) {
    inner.adamw(n, p, pOff, g, gOff, m, mOff, v, vOff, lr, beta1, beta2, eps, weightDecay, bc1, bc2);
  }

  @Override public double sum(int n, float[] x, int off) { return inner.sum(n, x, off); }

  @Override public float max(int n, float[] x, int off) { return inner.max(n, x, off); }

  @Override public void sumRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) { inner.sumRows(rows, cols, x, xOff, out, outOff); }

  @Override public void maxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) { inner.maxRows(rows, cols, x, xOff, out, outOff); }

  @Override
  public void sumColumns(int rows, int cols, float[] x, int xOff, float[] out, int outOff, boolean accumulate) {
    inner.sumColumns(rows, cols, x, xOff, out, outOff, accumulate);
  }

  @Override public void softmaxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) { inner.softmaxRows(rows, cols, x, xOff, out, outOff); }

  @Override public void logSoftmaxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff) { inner.logSoftmaxRows(rows, cols, x, xOff, out, outOff); }

  @Override
  public void softmaxBackwardRows(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    inner.softmaxBackwardRows(rows, cols, y, yOff, dy, dyOff, dx, dxOff, accumulate);
  }

  @Override
  public void logSoftmaxBackwardRows(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    inner.logSoftmaxBackwardRows(rows, cols, y, yOff, dy, dyOff, dx, dxOff, accumulate);
  }

  @Override
  public void layerNormForward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff, float[] beta, int bOff, float eps,
                               float[] out, int outOff, float[] mean, int meanOff, float[] rstd, int rstdOff) {
    inner.layerNormForward(rows, cols, x, xOff, gamma, gOff, beta, bOff, eps, out, outOff, mean, meanOff, rstd, rstdOff);
  }

  @Override
  public void layerNormBackward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff, float[] mean, int meanOff,
                                float[] rstd, int rstdOff, float[] dy, int dyOff, float[] dx, int dxOff, float[] dgamma, int dgOff,
                                float[] dbeta, int dbOff, boolean accumulate) {
    inner.layerNormBackward(rows, cols, x, xOff, gamma, gOff, mean, meanOff, rstd, rstdOff, dy, dyOff, dx, dxOff,
        dgamma, dgOff, dbeta, dbOff, accumulate);
  }

  @Override public void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff) { inner.im2col(g, x, xOff, col, colOff); }

  @Override
  public void col2im(ConvGeometry g, float[] col, int colOff, float[] dx, int dxOff, boolean accumulate) {
    inner.col2im(g, col, colOff, dx, dxOff, accumulate);
  }

  @Override
  public void gatherRows(int count, int dim, float[] table, int tableOff, int vocab, int[] ids, int idsOff, float[] out, int outOff) {
    inner.gatherRows(count, dim, table, tableOff, vocab, ids, idsOff, out, outOff);
  }

  @Override
  public void scatterAddRows(int count, int dim, float[] dOut, int dOutOff, int[] ids, int idsOff, float[] dTable, int tableOff, int vocab) {
    inner.scatterAddRows(count, dim, dOut, dOutOff, ids, idsOff, dTable, tableOff, vocab);
  }
}
