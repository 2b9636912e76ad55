package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.Parallel;
import org.jlora.engine.Shapes;
import org.jlora.engine.UnaryOp;

/**
 * Elementwise kernels on the JDK Vector API; {@link ElementwiseScalar} is the reference.
 *
 * <p>Work is split into fixed {@link #BLOCK}-element blocks, so where a vector loop ends and its
 * scalar tail begins never depends on the thread count: results are bitwise identical for any
 * number of threads. exp, log, tanh and erf come from {@link VectorMath} (not the JDK's lanewise
 * EXP/LOG/TANH, whose last bit changes when the JIT compiles a loop); they differ from
 * {@code Math}'s by a few ulps, which the tests bound.
 */
public final class ElementwiseVector extends ElementwiseOnHost {
  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final int L = SPECIES.length();

  /** Elements per parallel work item (a multiple of every vector length). */
  static final int BLOCK = 4096;

  /** Runs {@code body} over {@code [0, n)} in whole blocks; {@code costPerElement} weighs the work. */
  static void forBlocks(int n, int costPerElement, Parallel.RangeBody body) {
    int blocks = (n + BLOCK - 1) / BLOCK;
    Parallel.forRange(blocks, 1, (long) n * costPerElement,
        (from, to) -> body.run(from * BLOCK, Math.min(n, to * BLOCK)));
  }

  // ---------------------------------------------------------------- binary

  /**
   * {@code out[i] = a[i % aLen] op b[i % bLen]}. The output is walked in runs over which both
   * operands are contiguous (or a broadcast scalar when its length is 1): a bias row, a whole
   * same-shape tensor, or the general case where both operands repeat.
   */
  // a: [n / aLen repeats of aLen], b: [n / bLen repeats of bLen] -> out: [n]
  @Override
  public void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff, int bLen,
                            float[] out, int outOff) {
    forBlocks(n, 1, (from, to) -> binaryRange(op, from, to, a, aOff, aLen, b, bOff, bLen, out, outOff));
  }

  private static void binaryRange(BinaryOp op, int from, int to, float[] a, int aOff, int aLen,
                                  float[] b, int bOff, int bLen, float[] out, int outOff) {
    boolean aScalar = aLen == 1;
    boolean bScalar = bLen == 1;
    int i = from;
    while (i < to) {
      int ia = aScalar ? 0 : i % aLen;
      int ib = bScalar ? 0 : i % bLen;
      int run = to - i;
      if (!aScalar) run = Math.min(run, aLen - ia);
      if (!bScalar) run = Math.min(run, bLen - ib);
      binaryRun(op, run, a, aOff + ia, aScalar, b, bOff + ib, bScalar, out, outOff + i);
      i += run;
    }
  }

  /** One run: {@code out[j] = a[j] op b[j]}, an operand flagged scalar being read at index 0 only. */
  private static void binaryRun(BinaryOp op, int len, float[] a, int aPos, boolean aScalar,
                                float[] b, int bPos, boolean bScalar, float[] out, int outPos) {
    int j = 0;
    if (len >= L) {
      FloatVector aBroadcast = FloatVector.broadcast(SPECIES, a[aPos]);
      FloatVector bBroadcast = FloatVector.broadcast(SPECIES, b[bPos]);
      for (int bound = SPECIES.loopBound(len); j < bound; j += L) {
        FloatVector va = aScalar ? aBroadcast : FloatVector.fromArray(SPECIES, a, aPos + j);
        FloatVector vb = bScalar ? bBroadcast : FloatVector.fromArray(SPECIES, b, bPos + j);
        FloatVector r = switch (op) {
          case ADD -> va.add(vb);
          case SUB -> va.sub(vb);
          case MUL -> va.mul(vb);
          case DIV -> va.div(vb);
          case MAX -> va.max(vb);   // Math.max lanewise: NaN propagates, as BinaryOp.apply
          case MIN -> va.min(vb);
        };
        r.intoArray(out, outPos + j);
      }
    }
    for (; j < len; j++) {
      out[outPos + j] = op.apply(a[aScalar ? aPos : aPos + j], b[bScalar ? bPos : bPos + j]);
    }
  }

  // ---------------------------------------------------------------- unary

  /** {@code out[i] = f(x[i])} (the loops are in {@link UnaryVector}, one per op). */
  // x: [n] -> out: [n]
  @Override
  public void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff) {
    forBlocks(n, costOf(op), (from, to) -> UnaryVector.forward(op, from, to, x, xOff, out, outOff));
  }

  /** {@code dx[i] (+)= dy[i] · f'(x[i])}. */
  // x, y, dy, dx: [n]
  @Override
  public void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff,
                                   float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate) {
    var grad = new UnaryVector.Grad(x, xOff, y, yOff, dy, dyOff, dx, dxOff, accumulate);
    forBlocks(n, costOf(op), (from, to) -> UnaryVector.backward(op, from, to, grad));
  }

  /** Rough relative cost, so cheap ops on small tensors stay on one thread. */
  private static int costOf(UnaryOp op) {
    return switch (op) {
      case NEG, RELU, SQUARE, ABS -> 1;
      case SQRT, RECIPROCAL -> 2;
      default -> 8;
    };
  }

  // ---------------------------------------------------------------- axpy, scale

  /** {@code y[i] += alpha · x[i]} (one fused multiply-add per element). */
  // x, y: [n]
  @Override
  public void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff) {
    FloatVector va = FloatVector.broadcast(SPECIES, alpha);
    forBlocks(n, 1, (from, to) -> {
      int i = from;
      for (int bound = from + SPECIES.loopBound(to - from); i < bound; i += L) {
        FloatVector vy = FloatVector.fromArray(SPECIES, y, yOff + i);
        FloatVector.fromArray(SPECIES, x, xOff + i).fma(va, vy).intoArray(y, yOff + i);
      }
      for (; i < to; i++) y[yOff + i] = Math.fma(alpha, x[xOff + i], y[yOff + i]);
    });
  }

  /** {@code x[i] *= alpha}. */
  // x: [n]
  @Override
  public void scale(int n, float alpha, float[] x, int xOff) {
    forBlocks(n, 1, (from, to) -> scaleOnCaller(to - from, alpha, x, xOff + from));
  }

  /** {@link #scale} on the calling thread only (a building block for row kernels). */
  static void scaleOnCaller(int n, float alpha, float[] x, int xOff) {
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(SPECIES, x, xOff + i).mul(alpha).intoArray(x, xOff + i);
    }
    for (; i < n; i++) x[xOff + i] *= alpha;
  }

  // ---------------------------------------------------------------- fused and moving kernels

  /** {@code out = silu(gate) ∘ up} in one pass ({@link SwiGluVector}). */
  @Override
  public void swiglu(int n, float[] gate, int gOff, float[] up, int uOff, float[] out, int outOff) {
    SwiGluVector.forward(n, gate, gOff, up, uOff, out, outOff);
  }

  @Override
  public void swigluBackward(int n, float[] gate, int gOff, float[] up, int uOff, float[] dy, int dyOff,
                             float[] dGate, int dgOff, float[] dUp, int duOff) {
    SwiGluVector.backward(n, gate, gOff, up, uOff, dy, dyOff, dGate, dgOff, dUp, duOff);
  }

  /**
   * The walk row by row (a row: the last axis); a row contiguous on both sides is one
   * {@code arraycopy} or one vector add. Rows go in parallel unless two of them may write the same
   * element (a zero destination stride): then in row-major order on the caller, as the scalar twin.
   * Each element gets one add either way, so the bits are the twin's.
   */
  @Override
  public void copyStrided(int[] shape, float[] src, int srcOff, int[] srcStrides,
                          float[] dst, int dstOff, int[] dstStrides, boolean accumulate) {
    int rank = shape.length;
    int last = shape[rank - 1];
    int ss = srcStrides[rank - 1], ds = dstStrides[rank - 1];
    int rows = Shapes.size(shape) / last;
    Parallel.RangeBody body = (from, to) -> {
      for (int r = from; r < to; r++) {
        int s = ElementwiseScalar.rowStart(r, shape, srcStrides, srcOff);
        int d = ElementwiseScalar.rowStart(r, shape, dstStrides, dstOff);
        if (ss == 1 && ds == 1) {
          if (accumulate) addOnCaller(last, src, s, dst, d);
          else System.arraycopy(src, s, dst, d, last);
        } else {
          for (int j = 0; j < last; j++) {
            float v = src[s + j * ss];
            dst[d + j * ds] = accumulate ? dst[d + j * ds] + v : v;
          }
        }
      }
    };
    boolean rowsDisjoint = true;
    for (int a = 0; a < rank - 1; a++) rowsDisjoint &= dstStrides[a] != 0 || shape[a] == 1;
    if (rowsDisjoint) Parallel.forRange(rows, 1, (long) rows * last, body);
    else body.run(0, rows);
  }

  /** {@code y[i] += x[i]} on the calling thread (one rounded add, as the scalar loop). */
  private static void addOnCaller(int n, float[] x, int xOff, float[] y, int yOff) {
    int i = 0;
    for (int bound = SPECIES.loopBound(n); i < bound; i += L) {
      FloatVector.fromArray(SPECIES, y, yOff + i).add(FloatVector.fromArray(SPECIES, x, xOff + i)).intoArray(y, yOff + i);
    }
    for (; i < n; i++) y[yOff + i] += x[xOff + i];
  }
}
