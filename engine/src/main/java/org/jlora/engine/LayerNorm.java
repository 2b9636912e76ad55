package org.jlora.engine;

/**
 * LayerNorm over the last axis on tensors: shape checks around {@link Backend#layerNormForward}
 * and {@link Backend#layerNormBackward}, run on {@link Backends#current()}.
 *
 * <pre>{@code
 * LayerNorm.Result y = LayerNorm.forward(x, gamma, beta, 1e-5f);         // x: [B, T, D]
 * LayerNorm.Gradients g = LayerNorm.backward(dy, x, gamma, beta, y);     // dx: [B, T, D]
 * }</pre>
 */
public final class LayerNorm {
  private LayerNorm() {}

  /**
   * The forward result: {@code out} has x's shape; {@code mean} and {@code rstd} ({@code 1/sqrt(var + eps)})
   * are {@code [rows]}, one per row of x seen as {@code [rows, cols]}, kept for backward.
   */
  public record Result(Tensor out, Tensor mean, Tensor rstd) {}

  /** The backward result: {@code dx} like x; {@code dgamma}/{@code dbeta} like gamma/beta, null where those were. */
  public record Gradients(Tensor dx, Tensor dgamma, Tensor dbeta) {}

  /**
   * {@code out = (x - mean) / sqrt(var + eps) · gamma + beta} over the last axis, with the biased
   * variance (PyTorch's); gamma and beta are {@code [cols]} or null.
   */
  // x: [..., cols], gamma, beta: [cols] -> out: [..., cols], mean, rstd: [rows]
  public static Result forward(Tensor x, Tensor gammaOrNull, Tensor betaOrNull, float eps) {
    int cols = columns("layerNorm", x);
    checkParam("layerNorm", "gamma", gammaOrNull, x, cols);
    checkParam("layerNorm", "beta", betaOrNull, x, cols);
    if (!(eps >= 0)) throw new IllegalArgumentException("layerNorm: eps must be >= 0, got " + eps);
    int rows = x.rowCount();
    Result r = new Result(Tensor.zeros(x.shape()), Tensor.zeros(rows), Tensor.zeros(rows));
    Backends.current().layerNormForward(rows, cols, x.data(), x.offset(),
        data(gammaOrNull), offset(gammaOrNull), data(betaOrNull), offset(betaOrNull), eps,
        r.out().data(), r.out().offset(), r.mean().data(), r.mean().offset(), r.rstd().data(), r.rstd().offset());
    return r;
  }

  /**
   * Fresh gradients for {@code dy}, given the forward's inputs and result; dgamma (dbeta) is
   * computed when gamma (beta) was given.
   */
  // dy, x: [..., cols], gamma, beta: [cols] -> dx: [..., cols], dgamma, dbeta: [cols]
  public static Gradients backward(Tensor dy, Tensor x, Tensor gammaOrNull, Tensor betaOrNull, Result forward) {
    Gradients g = new Gradients(Tensor.zeros(x.shape()),
        gammaOrNull == null ? null : Tensor.zeros(gammaOrNull.shape()),
        betaOrNull == null ? null : Tensor.zeros(betaOrNull.shape()));
    backwardInto(dy, x, gammaOrNull, forward.mean(), forward.rstd(), g.dx(), g.dgamma(), g.dbeta(), false);
    return g;
  }

  /**
   * Writes (or with {@code accumulate}, adds) the gradients into caller-owned buffers:
   * {@code dx}, and the column sums {@code dgamma}, {@code dbeta} (either may be null to skip it).
   */
  // dy, x, dx: [..., cols], gamma, dgamma, dbeta: [cols], mean, rstd: [rows]
  public static void backwardInto(Tensor dy, Tensor x, Tensor gammaOrNull, Tensor mean, Tensor rstd,
                                  Tensor dx, Tensor dgammaOrNull, Tensor dbetaOrNull, boolean accumulate) {
    String op = "layerNorm backward";
    int cols = columns(op, x);
    int rows = x.rowCount();
    Shapes.requireSame(op + " (dy vs x)", dy, x);
    Shapes.requireSame(op + " (dx vs x)", dx, x);
    checkParam(op, "gamma", gammaOrNull, x, cols);
    checkParam(op, "dgamma", dgammaOrNull, x, cols);
    checkParam(op, "dbeta", dbetaOrNull, x, cols);
    if (mean.size() != rows || rstd.size() != rows) {
      throw new ShapeException(op + ": mean " + Shapes.str(mean.shape()) + " and rstd " + Shapes.str(rstd.shape())
          + " need one value per row of x " + Shapes.str(x.shape()) + " (" + rows + ")");
    }
    Backends.current().layerNormBackward(rows, cols, x.data(), x.offset(), data(gammaOrNull), offset(gammaOrNull),
        mean.data(), mean.offset(), rstd.data(), rstd.offset(), dy.data(), dy.offset(), dx.data(), dx.offset(),
        data(dgammaOrNull), offset(dgammaOrNull), data(dbetaOrNull), offset(dbetaOrNull), accumulate);
  }

  private static int columns(String op, Tensor x) {
    if (x.rank() == 0 || x.lastDim() == 0) {
      throw new ShapeException(op + ": x " + Shapes.str(x.shape()) + " needs a non-empty last axis to normalise");
    }
    return x.lastDim();
  }

  private static void checkParam(String op, String name, Tensor p, Tensor x, int cols) {
    if (p != null && (p.rank() != 1 || p.size() != cols)) {
      throw new ShapeException(op + ": " + name + " " + Shapes.str(p.shape()) + " must be [" + cols
          + "] for x " + Shapes.str(x.shape()));
    }
  }

  private static float[] data(Tensor t) {
    return t == null ? null : t.data();
  }

  private static int offset(Tensor t) {
    return t == null ? 0 : t.offset();
  }
}
