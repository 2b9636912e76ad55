package org.jlora.engine.kernels;

/**
 * Argument checks shared by the matmul kernels: dimensions must be non-negative and every
 * operand's window must fit in its array, so a bad call fails with a message naming the operand
 * rather than an ArrayIndexOutOfBoundsException deep inside a micro-kernel.
 */
final class MatmulArgs {
  private MatmulArgs() {}

  static void check(String op, int batch, int m, int n, int k,
                    float[] a, int aOff, float[] b, int bOff, boolean shareB, float[] c, int cOff) {
    if (batch < 0 || m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException(op + ": negative size (batch=" + batch + ", m=" + m
          + ", n=" + n + ", k=" + k + ")");
    }
    fits(op, "A", a, aOff, (long) batch * m * k);
    fits(op, "B", b, bOff, (shareB ? Math.min(batch, 1) : (long) batch) * k * n);
    fits(op, "C", c, cOff, (long) batch * m * n);
  }

  private static void fits(String op, String name, float[] x, int off, long len) {
    if (len == 0) return;
    if (x == null) throw new NullPointerException(op + ": " + name + " is null");
    if (off < 0 || off + len > x.length) {
      throw new IllegalArgumentException(op + ": " + name + " needs " + len + " floats from offset "
          + off + " but its array holds " + x.length);
    }
  }
}
