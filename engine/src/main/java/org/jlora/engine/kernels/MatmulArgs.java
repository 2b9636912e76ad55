package org.jlora.engine.kernels;

/**
 * Argument checks shared by the matmul kernels: dimensions must be non-negative and every
 * operand's window must fit in its array, so a bad call fails with a message naming the operand
 * rather than an ArrayIndexOutOfBoundsException deep inside a micro-kernel. An operand may be
 * f32 ({@code float[]}) or bf16 bits ({@code short[]}); only its length matters here.
 */
final class MatmulArgs {
  private MatmulArgs() {}

  static void check(String op, int batch, int m, int n, int k,
                    float[] a, int aOff, float[] b, int bOff, boolean shareB, float[] c, int cOff) {
    check(op, batch, m, n, k, length(a), aOff, length(b), bOff, shareB, length(c), cOff);
  }

  /** For B given as bf16 bits. */
  static void check(String op, int batch, int m, int n, int k,
                    float[] a, int aOff, short[] b, int bOff, boolean shareB, float[] c, int cOff) {
    check(op, batch, m, n, k, length(a), aOff, b == null ? -1 : b.length, bOff, shareB, length(c), cOff);
  }

  /** For A given as bf16 bits. */
  static void check(String op, int batch, int m, int n, int k,
                    short[] a, int aOff, float[] b, int bOff, boolean shareB, float[] c, int cOff) {
    check(op, batch, m, n, k, a == null ? -1 : a.length, aOff, length(b), bOff, shareB, length(c), cOff);
  }

  /** The checks on array lengths; -1 stands for a null array. */
  private static void check(String op, int batch, int m, int n, int k, int aLength, int aOff,
                            int bLength, int bOff, boolean shareB, int cLength, int cOff) {
    if (batch < 0 || m < 0 || n < 0 || k < 0) {
      throw new IllegalArgumentException(op + ": negative size (batch=" + batch + ", m=" + m
          + ", n=" + n + ", k=" + k + ")");
    }
    fits(op, "A", aLength, aOff, (long) batch * m * k);
    fits(op, "B", bLength, bOff, (shareB ? Math.min(batch, 1) : (long) batch) * k * n);
    fits(op, "C", cLength, cOff, (long) batch * m * n);
  }

  private static int length(float[] x) {
    return x == null ? -1 : x.length;
  }

  private static void fits(String op, String name, int length, int off, long len) {
    if (len == 0) return;
    if (length < 0) throw new NullPointerException(op + ": " + name + " is null");
    if (off < 0 || off + len > length) {
      throw new IllegalArgumentException(op + ": " + name + " needs " + len + " values from offset "
          + off + " but its array holds " + length);
    }
  }
}
