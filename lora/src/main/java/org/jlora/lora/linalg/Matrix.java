package org.jlora.lora.linalg;

import org.jlora.engine.Tensor;

/**
 * A dense row-major matrix of doubles, the working type of the decompositions here (they run in
 * double so that a float32 weight's factors are accurate to float rounding). Element (i, j) is
 * {@code a[i * cols + j]}.
 */
public record Matrix(int rows, int cols, double[] a) {
  public Matrix {
    if (a.length != rows * cols) throw new IllegalArgumentException("need " + rows * cols + " values, got " + a.length);
  }

  /** A zero matrix. */
  public static Matrix zeros(int rows, int cols) {
    return new Matrix(rows, cols, new double[rows * cols]);
  }

  /** The identity, {@code n × n}. */
  public static Matrix identity(int n) {
    Matrix m = zeros(n, n);
    for (int i = 0; i < n; i++) m.set(i, i, 1);
    return m;
  }

  /** A copy of a 2-d float tensor. */
  public static Matrix of(Tensor t) {
    if (t.rank() != 2) throw new IllegalArgumentException("expected a 2-d tensor, got rank " + t.rank());
    double[] a = new double[t.size()];
    for (int i = 0; i < a.length; i++) a[i] = t.get(i);
    return new Matrix(t.dim(0), t.dim(1), a);
  }

  /** The matrix as a float tensor [rows, cols]. */
  public Tensor toTensor() {
    float[] f = new float[a.length];
    for (int i = 0; i < f.length; i++) f[i] = (float) a[i];
    return Tensor.of(f, rows, cols);
  }

  public double get(int i, int j) {
    return a[i * cols + j];
  }

  public void set(int i, int j, double v) {
    a[i * cols + j] = v;
  }

  /** The transpose, a fresh matrix. */
  public Matrix transpose() {
    Matrix t = zeros(cols, rows);
    for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t.set(j, i, get(i, j));
    return t;
  }

  /** {@code this · other}. */
  public Matrix times(Matrix other) {
    if (cols != other.rows) throw new IllegalArgumentException(rows + "x" + cols + " · " + other.rows + "x" + other.cols);
    Matrix c = zeros(rows, other.cols);
    for (int i = 0; i < rows; i++) {
      for (int k = 0; k < cols; k++) {
        double aik = get(i, k);
        if (aik == 0) continue;
        for (int j = 0; j < other.cols; j++) c.a[i * other.cols + j] += aik * other.a[k * other.cols + j];
      }
    }
    return c;
  }

  /** Rows {@code [from, to)}, a fresh matrix. */
  public Matrix rowRange(int from, int to) {
    double[] out = new double[(to - from) * cols];
    System.arraycopy(a, from * cols, out, 0, out.length);
    return new Matrix(to - from, cols, out);
  }

  /** Columns {@code [from, to)}, a fresh matrix. */
  public Matrix colRange(int from, int to) {
    Matrix out = zeros(rows, to - from);
    for (int i = 0; i < rows; i++) for (int j = from; j < to; j++) out.set(i, j - from, get(i, j));
    return out;
  }
}
