package org.jlora.autograd.ops;

import org.jlora.autograd.Variable;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * Matrix products and their gradients. Every backward product reads its operands through the
 * engine's {@code transA}/{@code transB} flags (never a materialised transpose) and adds into
 * the gradient buffers in place ({@code accumulate = true}).
 *
 * <p>With {@code C = op(A)·op(B)} and G = dC, the stored operands get
 * <pre>
 *   dA = G·op(B)ᵀ          (A stored [m, k])      dA = op(B)·Gᵀ          (A stored [k, m])
 *   dB = op(A)ᵀ·G          (B stored [k, n])      dB = Gᵀ·op(A)          (B stored [n, k])
 * </pre>
 */
public final class MatmulOps {
  private MatmulOps() {}

  /** {@code op(a)·op(b)} for matrices: op(a) [m, k], op(b) [k, n] -> [m, n]. */
  public static Variable matmul(Variable a, boolean transA, Variable b, boolean transB) {
    if (a.value().rank() != 2 || b.value().rank() != 2) {
      throw new ShapeException("matmul needs two matrices, got " + Shapes.str(a.shape()) + " and "
          + Shapes.str(b.shape()) + " (use bmm for batches, linear for [..., in] inputs)");
    }
    return product("matmul", null, a, transA, b, transB);
  }

  /**
   * PyTorch's addmm: {@code c + op(a)·op(b)} for matrices, c [m, n]. The product is accumulated
   * onto a copy of c, so adding a low-rank update to a layer's output costs no separate product
   * tensor and no extra add pass.
   */
  public static Variable addmm(Variable c, Variable a, boolean transA, Variable b, boolean transB) {
    if (c.value().rank() != 2 || a.value().rank() != 2 || b.value().rank() != 2) {
      throw new ShapeException("addmm needs three matrices, got " + Shapes.str(c.shape()) + ", "
          + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
    }
    return product("addmm", c, a, transA, b, transB);
  }

  /** Batched {@code op(a_i)·op(b_i)}: a [batch, m, k] (or [batch, k, m]), b [batch, k, n] (or [batch, n, k]). */
  public static Variable bmm(Variable a, boolean transA, Variable b, boolean transB) {
    if (a.value().rank() != 3 || b.value().rank() != 3 || a.shape()[0] != b.shape()[0]) {
      throw new ShapeException("bmm needs [batch, ., .] operands with the same batch, got "
          + Shapes.str(a.shape()) + " and " + Shapes.str(b.shape()));
    }
    return product("bmm", null, a, transA, b, transB);
  }

  /** {@code addend + op(a)·op(b)} (addend null: the plain product), per batch for 3-d operands. */
  private static Variable product(String name, Variable addend, Variable a, boolean transA, Variable b,
                                  boolean transB) {
    Backend be = Backends.current();
    Tensor av = a.value();
    Tensor bv = b.value();
    int r = av.rank();
    int batch = r == 3 ? av.dim(0) : 1;
    int m = transA ? av.dim(r - 1) : av.dim(r - 2);
    int k = transA ? av.dim(r - 2) : av.dim(r - 1);
    int kb = transB ? bv.dim(r - 1) : bv.dim(r - 2);
    int n = transB ? bv.dim(r - 2) : bv.dim(r - 1);
    if (k != kb) {
      throw new ShapeException(name + (transA ? " (a transposed)" : "") + (transB ? " (b transposed)" : "")
          + ": inner dimensions differ, " + Shapes.str(av.shape()) + " and " + Shapes.str(bv.shape()));
    }
    int[] cShape = r == 3 ? new int[] {batch, m, n} : new int[] {m, n};
    if (addend != null && !java.util.Arrays.equals(addend.shape(), cShape)) {
      throw new ShapeException(name + ": the added matrix " + Shapes.str(addend.shape()) + " does not match the product "
          + Shapes.str(cShape) + " of " + Shapes.str(av.shape()) + " and " + Shapes.str(bv.shape()));
    }
    Tensor c = Tensor.zeros(cShape);
    if (addend != null) be.elementwise().copy(addend.value(), c);
    // op(A): [m, k], op(B): [k, n] -> C: [m, n] (per batch), onto the addend when there is one
    be.matmul().matmul(batch, m, n, k, av, transA, bv, transB, false, c, addend != null);
    return Variable.fromOp(name, c, g -> {
      if (a.requiresGrad()) {
        Tensor da = a.gradBuffer();
        if (!transA) {   // dA [m, k] = G [m, n] · op(B)ᵀ
          be.matmul().matmul(batch, m, k, n, g, false, bv, !transB, false,
              da, true);
        } else {         // dA [k, m] = op(B) [k, n] · Gᵀ
          be.matmul().matmul(batch, k, m, n, bv, transB, g, true, false,
              da, true);
        }
      }
      if (b.requiresGrad()) {
        Tensor db = b.gradBuffer();
        if (!transB) {   // dB [k, n] = op(A)ᵀ · G [m, n]
          be.matmul().matmul(batch, k, n, m, av, !transA, g, false, false,
              db, true);
        } else {         // dB [n, k] = Gᵀ · op(A) [m, k]
          be.matmul().matmul(batch, n, k, m, g, true, av, transA, false,
              db, true);
        }
      }
      // d(addend) = G, handed on last: the products above have read it
      if (addend != null && addend.requiresGrad()) addend.accumulateOwnedGrad(g);
    }, addend, a, b);
  }

  /**
   * A fully connected layer, PyTorch layout: {@code y = x·Wᵀ + b}, x [..., in], weight [out, in],
   * bias [out] or null -> [..., out]. A weight that does not require a gradient costs no dW
   * product at all (the point of LoRA).
   */
  public static Variable linear(Variable x, Variable weight, Variable bias) {
    Backend be = Backends.current();
    Tensor xv = x.value();
    Tensor wv = weight.value();
    if (wv.rank() != 2 || xv.rank() < 1 || xv.lastDim() != wv.dim(1)) {
      throw new ShapeException("linear: input " + Shapes.str(xv.shape()) + " does not match weight "
          + Shapes.str(wv.shape()) + " (expected [..., in] and [out, in])");
    }
    if (bias != null && (bias.value().rank() != 1 || bias.value().dim(0) != wv.dim(0))) {
      throw new ShapeException("linear: bias " + Shapes.str(bias.shape()) + " does not match weight "
          + Shapes.str(wv.shape()) + " (expected [out])");
    }
    int in = wv.dim(1);
    int out = wv.dim(0);
    int rows = xv.size() / in;
    int[] yShape = xv.shape();
    yShape[yShape.length - 1] = out;
    Tensor y = Tensor.zeros(yShape);
    if (rows == 1) {
      // one row (a token at a time in generation): y [1, out] is yᵀ [out, 1] = W·xᵀ, one dot product
      // along each contiguous row of W, where the row-major form would pack all of W for one row
      be.matmul().matmul(1, out, 1, in, wv, false, xv, true, false, y, false);
    } else {
      // x: [rows, in], W: [out, in] -> y = x·Wᵀ: [rows, out]
      be.matmul().matmul(1, rows, out, in, xv, false, wv, true, false, y, false);
    }
    if (bias != null) {
      Tensor bv = bias.value();
      be.elementwise().binary(BinaryOp.ADD, y, bv, y);
    }
    return Variable.fromOp("linear", y, g -> {
      if (x.requiresGrad()) {   // dX [rows, in] += G [rows, out] · W [out, in]
        Tensor dx = x.gradBuffer();
        be.matmul().matmul(1, rows, in, out, g, false, wv, false, false,
            dx, true);
      }
      if (weight.requiresGrad()) {   // dW [out, in] += Gᵀ [out, rows] · X [rows, in]
        Tensor dw = weight.gradBuffer();
        be.matmul().matmul(1, out, in, rows, g, true, xv, false, false,
            dw, true);
      }
      if (bias != null && bias.requiresGrad()) {   // db [out] += column sums of G
        Tensor db = bias.gradBuffer();
        be.reductions().sumColumns(rows, out, g, db, true);
      }
    }, x, weight, bias);
  }
}
