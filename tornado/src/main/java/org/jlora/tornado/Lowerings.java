package org.jlora.tornado;

import java.lang.reflect.Method;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.jlora.engine.AttentionKernels;
import org.jlora.engine.BinaryOp;
import org.jlora.engine.ElementwiseKernels;
import org.jlora.engine.ConvGeometry;
import org.jlora.engine.ConvKernels;
import org.jlora.engine.EmbeddingKernels;
import org.jlora.engine.MatmulKernels;
import org.jlora.engine.OptimizerKernels;
import org.jlora.engine.ReductionKernels;
import org.jlora.engine.RopeLayout;
import org.jlora.engine.RowKernels;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.engine.kernels.HeadsGeometry;
import org.jlora.engine.UnaryOp;
import org.jlora.tornado.kernels.Attention;
import org.jlora.tornado.kernels.Elementwise;
import org.jlora.tornado.kernels.Embedding;
import org.jlora.tornado.kernels.MatmulKernel;
import org.jlora.tornado.kernels.Reductions;
import org.jlora.tornado.kernels.Rows;
import org.jlora.tornado.kernels.Steps;
import uk.ac.manchester.tornado.api.KernelContext;

/**
 * The device form of each kernel-family method the tornado backend runs: one {@link Lowering}
 * per {@link Method} of the engine's family interfaces. The backend's family implementations
 * ({@link TornadoBackend}) and the step compiler ({@link TornadoStepCompiler}) both look calls up
 * here, so a kernel is written once for both; a method missing here is refused by the compiler
 * by name and left to the vector kernels by the backend.
 */
final class Lowerings {
  private Lowerings() {}

  private static final Map<Method, Lowering> ALL = new LinkedHashMap<>();

  /** The lowering of {@code method}, or null when the device has no kernel for it. */
  static Lowering of(Method method) {
    return ALL.get(method);
  }

  /** "MatmulKernels.matmul", the way messages name a method. */
  static String name(Method method) {
    return method.getDeclaringClass().getSimpleName() + "." + method.getName();
  }

  /** Every method with a device kernel, by name, for messages. */
  static String supported() {
    TreeSet<String> names = new TreeSet<>();
    for (Method m : ALL.keySet()) names.add(name(m));
    return String.join(", ", names);
  }

  /** The method {@code family.name(params)}; a typo here fails the class's initialisation. */
  static Method method(Class<?> family, String name, Class<?>... params) {
    try {
      return family.getMethod(name, params);
    } catch (NoSuchMethodException e) {
      throw new IllegalStateException("tornado: the engine has no " + family.getSimpleName() + "." + name, e);
    }
  }

  private static void put(Class<?> family, String name, Class<?>[] params, Lowering lowering) {
    ALL.put(method(family, name, params), lowering);
  }

  private static Class<?>[] p(Class<?>... params) {
    return params;
  }

  private static final Class<?> T = Tensor.class;
  private static final Class<?> I = int.class;
  private static final Class<?> F = float.class;
  private static final Class<?> Z = boolean.class;

  static {
    // ---- matmul ---------------------------------------------------------------------------------
    put(MatmulKernels.class, "matmul", p(I, I, I, I, T, Z, T, Z, Z, T, Z), (a, b) -> matmul(b,
        (int) a[0], (int) a[1], (int) a[2], (int) a[3], (Tensor) a[4], (boolean) a[5], (Tensor) a[6],
        (boolean) a[7], (boolean) a[8], (Tensor) a[9], (boolean) a[10]));
    put(MatmulKernels.class, "matmul", p(T, Z, T, Z, T, Z), (a, b) -> {
      Tensor x = (Tensor) a[0], w = (Tensor) a[2];
      boolean transA = (boolean) a[1], transB = (boolean) a[3];
      int k = transB ? w.dim(1) : w.dim(0);
      int n = transB ? w.dim(0) : w.dim(1);
      int m = transA ? x.dim(1) : x.rowCount();
      matmul(b, 1, m, n, k, x, transA, w, transB, true, (Tensor) a[4], (boolean) a[5]);
    });

    // ---- elementwise ----------------------------------------------------------------------------
    put(ElementwiseKernels.class, "binary", p(BinaryOp.class, T, T, T), (a, b) -> {
      BinaryOp op = (BinaryOp) a[0];
      Tensor x = (Tensor) a[1], y = (Tensor) a[2], out = (Tensor) a[3];
      int n = out.size();
      repeats(op.name(), x, n);
      repeats(op.name(), y, n);
      if (n == 0) return;
      Binder.Buf bx = b.read(x), by = b.read(y), bo = b.write(out);
      int xl = x.size(), yl = y.size(), code = op.ordinal();
      b.task((g, t) -> g.task(t, Elementwise::binary, b.mem(), bx.offset(), xl, by.offset(), yl,
          bo.offset(), n, code));
    });
    put(ElementwiseKernels.class, "unary", p(UnaryOp.class, T, T), (a, b) -> {
      Tensor x = (Tensor) a[1], out = (Tensor) a[2];
      same("unary", x, out);
      int n = x.size(), code = ((UnaryOp) a[0]).ordinal();
      if (n == 0) return;
      Binder.Buf bx = b.read(x), bo = b.write(out);
      b.task((g, t) -> g.task(t, Elementwise::unary, b.mem(), bx.offset(), bo.offset(), n, code));
    });
    put(ElementwiseKernels.class, "unaryBackward", p(UnaryOp.class, T, T, T, T, Z), (a, b) -> {
      Tensor x = (Tensor) a[1], y = (Tensor) a[2], dy = (Tensor) a[3], dx = (Tensor) a[4];
      same("unaryBackward", x, y, dy, dx);
      int n = x.size(), code = ((UnaryOp) a[0]).ordinal(), acc = flag((boolean) a[5]);
      if (n == 0) return;
      Binder.Buf bx = b.read(x), by = b.read(y), bdy = b.read(dy), bdx = acc == 1 ? b.update(dx) : b.write(dx);
      b.task((g, t) -> g.task(t, Elementwise::unaryBackward, b.mem(), bx.offset(), by.offset(),
          bdy.offset(), bdx.offset(), n, code, acc));
    });
    put(ElementwiseKernels.class, "axpy", p(F, T, T), (a, b) -> {
      Tensor x = (Tensor) a[1], y = (Tensor) a[2];
      same("axpy", x, y);
      int n = x.size();
      if (n == 0) return;
      Binder.Buf c = b.constants((float) a[0]), bx = b.read(x), by = b.update(y);
      b.task((g, t) -> g.task(t, Elementwise::axpy, b.mem(), c.offset(), bx.offset(),
          by.offset(), n));
    });
    put(ElementwiseKernels.class, "scale", p(F, T), (a, b) -> {
      Tensor x = (Tensor) a[1];
      int n = x.size();
      if (n == 0) return;
      Binder.Buf c = b.constants((float) a[0]), bx = b.update(x);
      b.task((g, t) -> g.task(t, Elementwise::scale, b.mem(), c.offset(), bx.offset(), n));
    });
    put(ElementwiseKernels.class, "fill", p(T, F), (a, b) -> {
      Tensor x = (Tensor) a[0];
      int n = x.size();
      if (n == 0) return;
      Binder.Buf c = b.constants((float) a[1]), bx = b.write(x);
      b.task((g, t) -> g.task(t, Elementwise::fill, b.mem(), c.offset(), bx.offset(), n));
    });
    put(ElementwiseKernels.class, "copy", p(T, T), (a, b) -> {
      Tensor src = (Tensor) a[0], dst = (Tensor) a[1];
      same("copy", src, dst);
      int n = src.size();
      if (n == 0) return;
      Binder.Buf bs = b.read(src), bd = b.write(dst);
      b.task((g, t) -> g.task(t, Elementwise::copy, b.mem(), bs.offset(), bd.offset(), n));
    });

    // ---- reductions (those with a tensor result; sum and max return host values) -----------------
    put(ReductionKernels.class, "sum", p(T, F, T), (a, b) ->
        sumInto(b, List.of((Tensor) a[0]), 0, (float) a[1], (Tensor) a[2]));
    put(ReductionKernels.class, "sumOfSquares", p(List.class, T), (a, b) -> {
      @SuppressWarnings("unchecked") List<Tensor> xs = (List<Tensor>) a[0];
      sumInto(b, xs, 1, 1f, (Tensor) a[1]);
    });
    put(ReductionKernels.class, "sumRows", p(I, I, T, T), (a, b) -> rowReduce(b, a, 0));
    put(ReductionKernels.class, "maxRows", p(I, I, T, T), (a, b) -> rowReduce(b, a, 1));
    put(ReductionKernels.class, "sumColumns", p(I, I, T, T, Z), (a, b) -> {
      int rows = (int) a[0], cols = (int) a[1], acc = flag((boolean) a[4]);
      Tensor x = (Tensor) a[2], out = (Tensor) a[3];
      size("sumColumns", "x", x, (long) rows * cols);
      size("sumColumns", "out", out, cols);
      if (cols == 0) return;
      Binder.Buf bx = b.read(x), bo = acc == 1 ? b.update(out) : b.write(out);
      b.task((g, t) -> g.task(t, Reductions::columns, b.mem(), bx.offset(), bo.offset(), rows, cols, acc));
    });

    // ---- rows -----------------------------------------------------------------------------------
    put(RowKernels.class, "softmax", p(I, I, T, T), (a, b) -> softmax(b, a, 0));
    put(RowKernels.class, "logSoftmax", p(I, I, T, T), (a, b) -> softmax(b, a, 1));
    put(RowKernels.class, "softmaxBackward", p(I, I, T, T, T, Z), (a, b) -> softmaxBackward(b, a, 0));
    put(RowKernels.class, "logSoftmaxBackward", p(I, I, T, T, T, Z), (a, b) -> softmaxBackward(b, a, 1));
    put(RowKernels.class, "layerNorm", p(I, I, T, T, T, F, T, T, T), (a, b) -> {
      int rows = (int) a[0], cols = (int) a[1];
      Tensor x = (Tensor) a[2], gamma = (Tensor) a[3], beta = (Tensor) a[4];
      Tensor out = (Tensor) a[6], mean = (Tensor) a[7], rstd = (Tensor) a[8];
      String op = "layerNorm";
      size(op, "x", x, (long) rows * cols);
      size(op, "out", out, (long) rows * cols);
      if (gamma != null) size(op, "gamma", gamma, cols);
      if (beta != null) size(op, "beta", beta, cols);
      size(op, "mean", mean, rows);
      size(op, "rstd", rstd, rows);
      if (rows == 0 || cols == 0) return;
      Binder.Buf eps = b.constants((float) a[5]), bx = b.read(x);
      Binder.Buf bg = gamma == null ? b.absent() : b.read(gamma), bb = beta == null ? b.absent() : b.read(beta);
      Binder.Buf bo = b.write(out), bm = b.write(mean), br = b.write(rstd);
      int hasG = gamma == null ? 0 : 1, hasB = beta == null ? 0 : 1;
      b.task((g, t) -> g.task(t, Rows::layerNormForward, b.mem(), eps.offset(), bx.offset(),
          bg.offset(), bb.offset(), bo.offset(), bm.offset(),
          br.offset(), rows, cols, hasG, hasB));
    });
    put(RowKernels.class, "layerNormBackward", p(I, I, T, T, T, T, T, T, T, T, Z), (a, b) -> {
      int rows = (int) a[0], cols = (int) a[1];
      Tensor x = (Tensor) a[2], gamma = (Tensor) a[3], mean = (Tensor) a[4], rstd = (Tensor) a[5];
      Tensor dy = (Tensor) a[6], dx = (Tensor) a[7], dgamma = (Tensor) a[8], dbeta = (Tensor) a[9];
      int acc = flag((boolean) a[10]);
      String op = "layerNormBackward";
      size(op, "x", x, (long) rows * cols);
      size(op, "dy", dy, (long) rows * cols);
      size(op, "dx", dx, (long) rows * cols);
      if (gamma != null) size(op, "gamma", gamma, cols);
      size(op, "mean", mean, rows);
      size(op, "rstd", rstd, rows);
      if (dgamma != null) size(op, "dgamma", dgamma, cols);
      if (dbeta != null) size(op, "dbeta", dbeta, cols);
      if (rows == 0 || cols == 0) return;
      Binder.Buf bx = b.read(x), bg = gamma == null ? b.absent() : b.read(gamma);
      Binder.Buf bm = b.read(mean), br = b.read(rstd), bdy = b.read(dy);
      Binder.Buf bdx = acc == 1 ? b.update(dx) : b.write(dx);
      int hasG = gamma == null ? 0 : 1;
      b.task((g, t) -> g.task(t, Rows::layerNormBackwardInput, b.mem(), bx.offset(), bg.offset(),
          bm.offset(), br.offset(), bdy.offset(), bdx.offset(),
          rows, cols, hasG, acc));
      int which = (dgamma == null ? 0 : 1) | (dbeta == null ? 0 : 2);
      if (which == 0) return;
      Binder.Buf bdg = dgamma == null ? b.absent() : acc == 1 ? b.update(dgamma) : b.write(dgamma);
      Binder.Buf bdb = dbeta == null ? b.absent() : acc == 1 ? b.update(dbeta) : b.write(dbeta);
      b.task((g, t) -> g.task(t, Rows::layerNormBackwardParams, b.mem(), bx.offset(), bm.offset(),
          br.offset(), bdy.offset(), bdg.offset(), bdb.offset(),
          rows, cols, which, acc));
    });

    // ---- embedding ------------------------------------------------------------------------------
    put(EmbeddingKernels.class, "gatherRows", p(T, int[].class, T), (a, b) -> {
      Tensor table = (Tensor) a[0], out = (Tensor) a[2];
      int[] ids = (int[]) a[1];
      int dim = table.lastDim(), vocab = table.rowCount(), count = ids.length;
      size("gatherRows", "out", out, (long) count * dim);
      if (count == 0 || dim == 0) return;
      Binder.Buf bt = b.read(table), bo = b.write(out);
      var bi = b.ints("gatherRows ids", ids, vocab, 0);
      b.task((g, t) -> g.task(t, Embedding::gather, b.mem(), bt.offset(), bi, bo.offset(), count, dim));
    });
    put(EmbeddingKernels.class, "scatterAddRows", p(T, int[].class, T), (a, b) -> {
      Tensor dOut = (Tensor) a[0], dTable = (Tensor) a[2];
      int[] ids = (int[]) a[1];
      int dim = dTable.lastDim(), vocab = dTable.rowCount(), count = ids.length;
      size("scatterAddRows", "dOut", dOut, (long) count * dim);
      if (count == 0 || dim == 0) return;
      Binder.Buf bd = b.read(dOut), bt = b.update(dTable);
      var bi = b.ints("scatterAddRows ids", ids, vocab, 0);
      b.task((g, t) -> g.task(t, Embedding::scatterAdd, b.mem(), bd.offset(), bi, bt.offset(), count, dim));
    });

    // ---- conv -----------------------------------------------------------------------------------
    put(ConvKernels.class, "im2col", p(ConvGeometry.class, T, T), ConvLowerings::im2col);
    put(ConvKernels.class, "col2im", p(ConvGeometry.class, T, T, Z), ConvLowerings::col2im);

    // ---- optimizer ------------------------------------------------------------------------------
    put(OptimizerKernels.class, "adamw", p(T, T, T, T, T), (a, b) -> {
      Tensor p = (Tensor) a[0], g = (Tensor) a[1], m = (Tensor) a[2], v = (Tensor) a[3], hyper = (Tensor) a[4];
      same("adamw", p, g, m, v);
      size("adamw", "hyper", hyper, org.jlora.engine.AdamHyper.SIZE);
      int n = p.size();
      if (n == 0) return;
      Binder.Buf bp = b.update(p), bg = b.read(g), bm = b.update(m), bv = b.update(v), bh = b.read(hyper);
      b.task((gr, t) -> gr.task(t, Elementwise::adamw, b.mem(), bp.offset(), bg.offset(),
          bm.offset(), bv.offset(), bh.offset(), n));
    });
  }

  static {
    // ---- the step kernels: RMSNorm, cross-entropy, SwiGLU, dropout, clipping ---------------------
    put(RowKernels.class, "rmsNorm", p(I, I, T, T, F, T, T), (a, b) -> {
      int rows = (int) a[0], cols = (int) a[1];
      Tensor x = (Tensor) a[2], w = (Tensor) a[3], out = (Tensor) a[5], rstd = (Tensor) a[6];
      size("rmsNorm", "x", x, (long) rows * cols);
      size("rmsNorm", "weight", w, cols);
      size("rmsNorm", "out", out, (long) rows * cols);
      size("rmsNorm", "rstd", rstd, rows);
      if (rows == 0 || cols == 0) return;
      Binder.Buf eps = b.constants((float) a[4]), bx = b.read(x), bw = b.read(w), bo = b.write(out), br = b.write(rstd);
      b.task((g, t) -> g.task(t, Steps::rmsNorm, b.mem(), eps.offset(), bx.offset(), bw.offset(), bo.offset(), br.offset(), rows, cols));
    });
    put(RowKernels.class, "rmsNormBackward", p(I, I, T, T, T, T, T, T), (a, b) -> {
      int rows = (int) a[0], cols = (int) a[1];
      Tensor x = (Tensor) a[2], w = (Tensor) a[3], rstd = (Tensor) a[4], dy = (Tensor) a[5];
      Tensor dx = (Tensor) a[6], dw = (Tensor) a[7];
      size("rmsNormBackward", "x", x, (long) rows * cols);
      size("rmsNormBackward", "dy", dy, (long) rows * cols);
      size("rmsNormBackward", "weight", w, cols);
      size("rmsNormBackward", "rstd", rstd, rows);
      if (dx != null) size("rmsNormBackward", "dx", dx, (long) rows * cols);
      if (dw != null) size("rmsNormBackward", "dweight", dw, cols);
      if (rows == 0 || cols == 0) return;
      Binder.Buf bx = b.read(x), bw = b.read(w), br = b.read(rstd), bdy = b.read(dy);
      if (dx != null) {
        Binder.Buf bdx = b.write(dx);
        b.task((g, t) -> g.task(t, Steps::rmsNormBackwardInput, b.mem(), bx.offset(), bw.offset(),
            br.offset(), bdy.offset(), bdx.offset(), rows, cols));
      }
      if (dw != null) {
        Binder.Buf bdw = b.write(dw);
        b.task((g, t) -> g.task(t, Steps::rmsNormBackwardWeight, b.mem(), bx.offset(), br.offset(),
            bdy.offset(), bdw.offset(), rows, cols));
      }
    });
    put(RowKernels.class, "crossEntropy", p(I, I, T, int[].class, I, T, T), (a, b) -> {
      int rows = (int) a[0], vocab = (int) a[1], ignore = (int) a[4];
      Tensor logits = (Tensor) a[2], logp = (Tensor) a[5], loss = (Tensor) a[6];
      int[] targets = (int[]) a[3];
      size("crossEntropy", "logits", logits, (long) rows * vocab);
      size("crossEntropy", "logp", logp, (long) rows * vocab);
      size("crossEntropy", "loss", loss, 1);
      if (targets.length != rows) throw new ShapeException("crossEntropy: " + targets.length + " targets for " + rows + " rows");
      Binder.Buf bl = b.read(logits), blp = b.write(logp), bloss = b.write(loss), stats = b.scratch(1);
      var bt = b.ints("crossEntropy targets", targets, vocab, ignore);
      if (rows > 0 && vocab > 0) {
        b.task((g, t) -> g.task(t, Rows::softmax, b.mem(), bl.offset(), blp.offset(), rows, vocab, 1));
      }
      b.task((g, t) -> g.task(t, Steps::meanNll, b.mem(), blp.offset(), bt, bloss.offset(),
          stats.offset(), rows, vocab, ignore));
    });
    put(RowKernels.class, "crossEntropyBackward", p(I, I, T, int[].class, I, T, T), (a, b) -> {
      int rows = (int) a[0], vocab = (int) a[1], ignore = (int) a[4];
      Tensor logp = (Tensor) a[2], dloss = (Tensor) a[5], dlogits = (Tensor) a[6];
      int[] targets = (int[]) a[3];
      size("crossEntropyBackward", "logp", logp, (long) rows * vocab);
      size("crossEntropyBackward", "dlogits", dlogits, (long) rows * vocab);
      size("crossEntropyBackward", "dloss", dloss, 1);
      if (targets.length != rows) throw new ShapeException("crossEntropyBackward: " + targets.length + " targets for " + rows + " rows");
      if (rows == 0 || vocab == 0) return;
      Binder.Buf blp = b.read(logp), bdl = b.read(dloss), bd = b.write(dlogits), stats = b.scratch(1);
      var bt = b.ints("crossEntropyBackward targets", targets, vocab, ignore);
      b.task((g, t) -> g.task(t, Steps::countScored, b.mem(), bt, stats.offset(), rows, ignore));
      b.task((g, t) -> g.task(t, Steps::crossEntropyBackward, b.mem(), blp.offset(), bt, bdl.offset(),
          stats.offset(), bd.offset(), rows, vocab, ignore));
    });
    put(ElementwiseKernels.class, "swiglu", p(T, T, T), (a, b) -> {
      Tensor gate = (Tensor) a[0], up = (Tensor) a[1], out = (Tensor) a[2];
      same("swiglu", gate, up, out);
      int n = gate.size();
      if (n == 0) return;
      Binder.Buf bg = b.read(gate), bu = b.read(up), bo = b.write(out);
      b.task((g, t) -> g.task(t, Steps::swiglu, b.mem(), bg.offset(), bu.offset(), bo.offset(), n));
    });
    put(ElementwiseKernels.class, "swigluBackward", p(T, T, T, T, T), (a, b) -> {
      Tensor gate = (Tensor) a[0], up = (Tensor) a[1], dy = (Tensor) a[2], dg = (Tensor) a[3], du = (Tensor) a[4];
      same("swigluBackward", gate, up, dy);
      if (dg != null) same("swigluBackward", gate, dg);
      if (du != null) same("swigluBackward", gate, du);
      int n = gate.size(), which = (dg == null ? 0 : 1) | (du == null ? 0 : 2);
      if (n == 0 || which == 0) return;
      Binder.Buf bg = b.read(gate), bu = b.read(up), bdy = b.read(dy);
      Binder.Buf bdg = dg == null ? b.absent() : b.write(dg), bdu = du == null ? b.absent() : b.write(du);
      b.task((g, t) -> g.task(t, Steps::swigluBackward, b.mem(), bg.offset(), bu.offset(), bdy.offset(), bdg.offset(), bdu.offset(), n, which));
    });
    put(ElementwiseKernels.class, "dropout", p(T, T, T), (a, b) -> {
      Tensor x = (Tensor) a[0], mask = (Tensor) a[1], out = (Tensor) a[2];
      same("dropout", x, mask, out);
      int n = x.size(), mul = BinaryOp.MUL.ordinal();
      if (n == 0) return;
      Binder.Buf bx = b.read(x), bm = b.read(mask), bo = b.write(out);
      b.task((g, t) -> g.task(t, Elementwise::binary, b.mem(), bx.offset(), n, bm.offset(), n,
          bo.offset(), n, mul));
    });
    put(org.jlora.engine.OptimizerKernels.class, "clipCoefficient", p(T, F, T, T), (a, b) -> {
      Tensor ss = (Tensor) a[0], norm = (Tensor) a[2], coef = (Tensor) a[3];
      size("clipCoefficient", "sumSquares", ss, 1);
      size("clipCoefficient", "norm", norm, 1);
      size("clipCoefficient", "coef", coef, 1);
      Binder.Buf bs = b.read(ss), max = b.constants((float) a[1]), bn = b.write(norm), bc = b.write(coef);
      b.task((g, t) -> g.task(t, Steps::clipCoefficient, b.mem(), bs.offset(), max.offset(),
          bn.offset(), bc.offset()));
    });
  }

  static {
    // ---- attention: head moves, causal attention, RoPE; the strided copy -------------------------
    put(AttentionKernels.class, "toHeads", p(T, I, F, T), (a, b) -> heads(b, (Tensor) a[0], (int) a[1], (float) a[2], (Tensor) a[3], true));
    put(AttentionKernels.class, "fromHeads", p(T, I, F, T), (a, b) -> heads(b, (Tensor) a[3], (int) a[1], (float) a[2], (Tensor) a[0], false));
    put(AttentionKernels.class, "causalForward", p(T, T, T, T, T), (a, b) -> {
      Tensor q = (Tensor) a[0], k = (Tensor) a[1], v = (Tensor) a[2], y = (Tensor) a[3], probs = (Tensor) a[4];
      AttentionKernels.checkCausalShapes("causalForward", q, k, v, probs);
      same("causalForward (y)", q, y);
      int bh = q.dim(0) * q.dim(1), group = q.dim(1) / k.dim(1), t = q.dim(2), d = q.dim(3);
      int per = AttentionKernels.packedSize(t);
      if (bh == 0 || t == 0) return;
      Binder.Buf bq = b.read(q), bk = b.read(k), bv = b.read(v), by = b.write(y), bp = b.write(probs);
      b.task((g, n) -> g.task(n, Attention::causalForward, b.mem(), bq.offset(), bk.offset(), bv.offset(),
          by.offset(), bp.offset(), bh, group, t, d, per));
    });
    put(AttentionKernels.class, "causalBackward", p(T, T, T, T, T, T, T, T), (a, b) -> {
      Tensor q = (Tensor) a[0], k = (Tensor) a[1], v = (Tensor) a[2], probs = (Tensor) a[3], dy = (Tensor) a[4];
      Tensor dq = (Tensor) a[5], dk = (Tensor) a[6], dv = (Tensor) a[7];
      String op = "causalBackward";
      AttentionKernels.checkCausalShapes(op, q, k, v, probs);
      same(op + " (dy, dq, dk, dv)", q, dy, dq, dk, dv);
      int bh = q.dim(0) * q.dim(1), group = q.dim(1) / k.dim(1), t = q.dim(2), d = q.dim(3);
      int per = AttentionKernels.packedSize(t);
      if (bh == 0 || t == 0) return;
      Binder.Buf bq = b.read(q), bk = b.read(k), bv = b.read(v), bp = b.read(probs), bdy = b.read(dy);
      Binder.Buf ds = b.scratch(bh * per), bdq = b.write(dq), bdk = b.write(dk), bdv = b.write(dv);
      b.task((g, n) -> g.task(n, Attention::causalBackwardQuery, b.mem(), bq.offset(), bk.offset(), bv.offset(),
          bp.offset(), bdy.offset(), ds.offset(), bdq.offset(), bh, group, t, d, per));
      b.task((g, n) -> g.task(n, Attention::causalBackwardKeys, b.mem(), bq.offset(), bp.offset(), bdy.offset(),
          ds.offset(), bdk.offset(), bdv.offset(), bh, t, d, per));
    });
    put(AttentionKernels.class, "ropeForward", p(T, T, T, RopeLayout.class, T), (a, b) -> rope(b, "ropeForward", a, 1));
    put(AttentionKernels.class, "ropeBackward", p(T, T, T, RopeLayout.class, T), (a, b) -> rope(b, "ropeBackward", a, -1));
    // generation over a KV cache: the position is an int array read on the device, sent every step
    put(AttentionKernels.class, "cacheWrite", p(T, I, int[].class, T), CacheLowerings::cacheWrite);
    put(AttentionKernels.class, "cachedAttention", p(T, T, T, int[].class, T), CacheLowerings::cachedAttention);
    put(AttentionKernels.class, "ropeAt", p(T, T, T, int[].class, RopeLayout.class, T), CacheLowerings::ropeAt);
    put(ElementwiseKernels.class, "copyStrided", p(int[].class, T, I, int[].class, T, I, int[].class, Z), new StridedCopyLowering());
  }

  /** toHeads ({@code in}: rows to heads) or fromHeads: rows x [B, T, (P,) Hx, D], heads [B, H, T, D]. */
  private static void heads(Binder b, Tensor x, int part, float scale, Tensor heads, boolean in) {
    HeadsGeometry geo = HeadsGeometry.of(in ? "toHeads" : "fromHeads", x, part, heads);   // the host door's check
    int nb = geo.b(), t = geo.t(), parts = geo.parts(), hx = geo.hx(), h = geo.h(), d = geo.d();
    if (heads.size() == 0) return;
    Binder.Buf c = b.constants(scale);
    if (in) {
      Binder.Buf bx = b.read(x), bh = b.write(heads);
      b.task((g, n) -> g.task(n, Attention::toHeads, b.mem(), c.offset(), bx.offset(), bh.offset(), nb, t, parts,
          part, hx, h, d));
    } else {
      // other parts of a fused row are left alone: the rows are updated, not written whole
      Binder.Buf bh = b.read(heads), bx = parts > 1 ? b.update(x) : b.write(x);
      b.task((g, n) -> g.task(n, Attention::fromHeads, b.mem(), c.offset(), bh.offset(), bx.offset(), nb, t, parts,
          part, hx, h, d));
    }
  }

  private static void rope(Binder b, String op, Object[] a, int turn) {
    Tensor x = (Tensor) a[0], cos = (Tensor) a[1], sin = (Tensor) a[2], y = (Tensor) a[4];
    AttentionKernels.checkRopeShapes(op, x, cos, sin, y);
    int[] s = x.shape();
    int bt = s[0] * s[1], t = s[1], h = s[2], d = s[3];
    int interleaved = a[3] == RopeLayout.INTERLEAVED ? 1 : 0;
    if (x.size() == 0) return;
    Binder.Buf bx = b.read(x), bc = b.read(cos), bs = b.read(sin), by = b.write(y);
    b.task((g, n) -> g.task(n, Attention::rope, b.mem(), bx.offset(), bc.offset(), bs.offset(), by.offset(),
        bt, t, h, d, interleaved, turn));
  }

  /** The methods with a device kernel (tests walk it). */
  static Map<Method, Lowering> all() {
    return Collections.unmodifiableMap(ALL);
  }

  // ---- shared pieces ----------------------------------------------------------------------------

  static void matmul(Binder b, int batch, int m, int n, int k, Tensor x, boolean transA, Tensor w,
                     boolean transB, boolean shareB, Tensor out, boolean accumulate) {
    size("matmul", "a", x, (long) batch * m * k);
    size("matmul", "b", w, (long) (shareB ? 1 : batch) * k * n);
    size("matmul", "c", out, (long) batch * m * n);
    if (batch == 0 || m == 0 || n == 0) return;
    if (k == 0) {   // an empty sum: C = 0 (or unchanged when accumulating)
      if (!accumulate) {
        Binder.Buf zero = b.constants(0f), bo = b.write(out);
        int len = out.size();
        b.task((g, t) -> g.task(t, Elementwise::fill, b.mem(), zero.offset(), bo.offset(), len));
      }
      return;
    }
    Binder.Buf ba = b.read(x), bw = b.read(w), bo = accumulate ? b.update(out) : b.write(out);
    int tA = flag(transA), tB = flag(transB), sB = flag(shareB), acc = flag(accumulate);
    b.task(MatmulKernel.worker(batch, m, n), (g, t) -> g.task(t, MatmulKernel::matmul, new KernelContext(), b.mem(), ba.offset(), bw.offset(), bo.offset(), m, n, k, tA, tB, sB, acc));
  }

  /** {@code out[0] = scale · sum of (the squares of, square = 1) every element of every tensor}: partials per tensor, then one sum. */
  static void sumInto(Binder b, List<Tensor> tensors, int square, float scale, Tensor out) {
    size(square == 1 ? "sumOfSquares" : "sum", "out", out, 1);
    Binder.Buf partial = b.scratch(Reductions.GROUPS * Math.max(1, tensors.size()));
    int at = 0;
    for (Tensor x : tensors) {
      int n = x.size();
      int pOff = partial.offset() + at;
      if (n == 0) {
        Binder.Buf zero = b.constants(0f);
        b.task((g, t) -> g.task(t, Elementwise::fill, b.mem(), zero.offset(), pOff,
            Reductions.GROUPS));
      } else {
        Binder.Buf bx = b.read(x);
        b.task(Reductions.partialsGrid(), (g, t) -> g.task(t, Reductions::partials, new KernelContext(), b.mem(), bx.offset(), n, square, pOff));
      }
      at += Reductions.GROUPS;
    }
    int count = Math.max(at, Reductions.GROUPS);
    if (tensors.isEmpty()) {
      Binder.Buf zero = b.constants(0f);
      b.task((g, t) -> g.task(t, Elementwise::fill, b.mem(), zero.offset(), partial.offset(),
          Reductions.GROUPS));
    }
    Binder.Buf s = b.constants(scale), bo = b.write(out);
    b.task(Reductions.finalGrid(), (g, t) -> g.task(t, Reductions::sumPartials, new KernelContext(), b.mem(), partial.offset(), count, s.offset(), bo.offset()));
  }

  private static void rowReduce(Binder b, Object[] a, int op) {
    int rows = (int) a[0], cols = (int) a[1];
    Tensor x = (Tensor) a[2], out = (Tensor) a[3];
    String name = op == 0 ? "sumRows" : "maxRows";
    size(name, "x", x, (long) rows * cols);
    size(name, "out", out, rows);
    if (rows == 0) return;
    if (cols == 0) {
      Binder.Buf c = b.constants(op == 0 ? 0f : Float.NEGATIVE_INFINITY), bo = b.write(out);
      b.task((g, t) -> g.task(t, Elementwise::fill, b.mem(), c.offset(), bo.offset(), rows));
      return;
    }
    Binder.Buf bx = b.read(x), bo = b.write(out);
    b.task((g, t) -> g.task(t, Reductions::rows, b.mem(), bx.offset(), bo.offset(), rows, cols, op));
  }

  private static void softmax(Binder b, Object[] a, int logForm) {
    int rows = (int) a[0], cols = (int) a[1];
    Tensor x = (Tensor) a[2], out = (Tensor) a[3];
    String name = logForm == 0 ? "softmax" : "logSoftmax";
    size(name, "x", x, (long) rows * cols);
    size(name, "out", out, (long) rows * cols);
    if (rows == 0 || cols == 0) return;
    Binder.Buf bx = b.read(x), bo = b.write(out);
    b.task((g, t) -> g.task(t, Rows::softmax, b.mem(), bx.offset(), bo.offset(), rows, cols, logForm));
  }

  private static void softmaxBackward(Binder b, Object[] a, int logForm) {
    int rows = (int) a[0], cols = (int) a[1];
    Tensor y = (Tensor) a[2], dy = (Tensor) a[3], dx = (Tensor) a[4];
    int acc = flag((boolean) a[5]);
    String name = logForm == 0 ? "softmaxBackward" : "logSoftmaxBackward";
    size(name, "y", y, (long) rows * cols);
    size(name, "dy", dy, (long) rows * cols);
    size(name, "dx", dx, (long) rows * cols);
    if (rows == 0 || cols == 0) return;
    Binder.Buf by = b.read(y), bdy = b.read(dy), bdx = acc == 1 ? b.update(dx) : b.write(dx);
    b.task((g, t) -> g.task(t, Rows::softmaxBackward, b.mem(), by.offset(), bdy.offset(),
        bdx.offset(), rows, cols, logForm, acc));
  }

  static int flag(boolean b) {
    return b ? 1 : 0;
  }

  static void size(String op, String operand, Tensor t, long expected) {
    if (t.size() != expected) {
      throw new ShapeException(op + ": " + operand + " " + Shapes.str(t.shape()) + " holds " + t.size()
          + " elements, but the call needs " + expected);
    }
  }

  static void same(String op, Tensor first, Tensor... others) {
    for (Tensor o : others) {
      if (o.size() != first.size()) {
        throw new ShapeException(op + ": " + Shapes.str(first.shape()) + " and " + Shapes.str(o.shape())
            + " hold different numbers of elements (" + first.size() + " and " + o.size() + ")");
      }
    }
  }

  private static void repeats(String op, Tensor x, int n) {
    if (x.size() == 0 ? n != 0 : n % x.size() != 0) {
      throw new ShapeException(op.toLowerCase(java.util.Locale.ROOT) + ": " + Shapes.str(x.shape())
          + " does not repeat evenly into " + n + " elements");
    }
  }
}
