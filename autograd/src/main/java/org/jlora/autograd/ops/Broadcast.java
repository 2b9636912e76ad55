package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * NumPy broadcasting for the binary ops. The common case, an operand whose shape is a suffix of
 * the output's (a bias [C] against [B, T, C]), goes straight to the engine's kernels; any other
 * broadcast (a [T, 1] column against [T, C]) is expanded first by the strided copy kernel, a zero
 * stride along each broadcast axis.
 */
final class Broadcast {
  private Broadcast() {}

  /** The broadcast shape of {@code a} and {@code b}, or a ShapeException naming {@code op}. */
  static int[] shape(String op, int[] a, int[] b) {
    int rank = Math.max(a.length, b.length);
    int[] out = new int[rank];
    for (int i = 0; i < rank; i++) {
      int da = i < rank - a.length ? 1 : a[i - (rank - a.length)];
      int db = i < rank - b.length ? 1 : b[i - (rank - b.length)];
      if (da != db && da != 1 && db != 1) throw new ShapeException(op + " (broadcast)", a, b);
      out[i] = da == 1 ? db : da;
    }
    return out;
  }

  /**
   * True when {@code x}, leading 1s dropped, equals the trailing dimensions of {@code out}: then
   * element i of the output reads {@code x[i % size(x)]}, which is what the kernels do.
   */
  static boolean isSuffix(int[] x, int[] out) {
    int lead = 0;
    while (lead < x.length && x[lead] == 1) lead++;
    int len = x.length - lead;
    if (len > out.length) return false;
    for (int i = 0; i < len; i++) {
      if (x[lead + i] != out[out.length - len + i]) return false;
    }
    return true;
  }

  /** {@code x} as a tensor the kernels can broadcast against {@code out}: itself, or an expanded copy. */
  static Tensor forKernel(Tensor x, int[] out) {
    return isSuffix(x.shape(), out) ? x : expand(x, out);
  }

  /** A copy of {@code x} broadcast to {@code out} (only for non-suffix broadcasts). */
  static Tensor expand(Tensor x, int[] out) {
    Tensor y = Tensor.zeros(out);
    Backends.current().elementwise().copyStrided(out, x, 0, broadcastStrides(x.shape(), out), y, 0, Shapes.strides(out),
        false);
    return y;
  }

  /**
   * The adjoint of broadcasting: {@code target.grad += g} summed over the broadcast axes, where
   * {@code g} has the output's shape. Suffix operands use the column-sum kernel. A temporary
   * {@code g} may become the gradient buffer itself.
   */
  static void reduceInto(Backend be, Tensor g, boolean gIsTemporary, Variable target) {
    Tensor x = target.value();
    int n = g.size();
    int len = x.size();
    if (len == n) {
      if (gIsTemporary) target.accumulateOwnedGrad(g);
      else target.accumulateGrad(g);
    } else if (isSuffix(x.shape(), g.shape())) {
      // g: [n / len, len] -> column sums [len]
      Tensor buf = target.gradBuffer();
      be.reductions().sumColumns(n / len, len, g, buf, true);
    } else {
      // g: [out] added into x's buffer with a zero stride along each broadcast axis: the sum over it
      int[] out = g.shape();
      Tensor buf = target.gradBuffer();
      be.elementwise().copyStrided(out, g, 0, Shapes.strides(out), buf, 0, broadcastStrides(x.shape(), out), true);
    }
  }

  /** Row-major strides of {@code x} aligned to {@code out}, 0 along broadcast axes. */
  private static int[] broadcastStrides(int[] x, int[] out) {
    if (x.length > out.length) throw new ShapeException("broadcast", x, out);
    int[] strides = new int[out.length];
    int stride = 1;
    for (int i = x.length - 1; i >= 0; i--) {
      int d = out.length - x.length + i;
      if (x[i] != 1 && x[i] != out[d]) {
        throw new ShapeException("broadcast " + Shapes.str(x) + " to " + Shapes.str(out), x, out);
      }
      strides[d] = x[i] == 1 ? 0 : stride;
      stride *= x[i];
    }
    return strides;
  }
}
