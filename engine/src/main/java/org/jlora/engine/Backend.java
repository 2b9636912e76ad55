package org.jlora.engine;

/**
 * The hot kernels, on raw {@code float[]} storage with offsets (so row slices cost nothing).
 *
 * <p>Implementations: {@link ScalarBackend} (the readable reference, one plain loop per kernel),
 * {@link VectorBackend} (the default, JDK Vector API and the {@link Parallel} pool) and, in an
 * opt-in build profile, a TornadoVM backend. Every implementation must agree with the scalar one
 * to within float rounding; the tests check each kernel against its scalar twin.
 *
 * <p>Conventions: matrices are row-major; {@code accumulate} means "add into the output" rather
 * than overwrite it (gradient accumulation); a "row" is the contiguous last axis.
 */
public interface Backend {

  /** A short name: "scalar", "vector", "tornado". */
  String name();

  // ---------------------------------------------------------------- matmul

  /**
   * Batched matrix product: for each {@code b < batch},
   * {@code C_b[m, n] (+)= op(A_b)[m, k] · op(B_b)[k, n]}.
   *
   * <p>{@code op(A)} is A stored {@code [m, k]}, or, with {@code transA}, A stored {@code [k, m]}
   * (likewise B: {@code [k, n]} or, with {@code transB}, {@code [n, k]}). Batches are contiguous:
   * A_b starts at {@code aOff + b*m*k}, B_b at {@code bOff + b*k*n} (or {@code bOff} for every b
   * when {@code shareB}: one weight matrix for the whole batch), C_b at {@code cOff + b*m*n}.
   */
  void matmul(int batch, int m, int n, int k,
              float[] a, int aOff, boolean transA,
              float[] b, int bOff, boolean transB, boolean shareB,
              float[] c, int cOff, boolean accumulate);

  // ---------------------------------------------------------------- elementwise

  /**
   * {@code out[i] = a[i % aLen] op b[i % bLen]} for {@code i < n}: broadcasting over leading
   * dimensions, where a's and b's shapes are suffixes of the output's; {@code aLen} and
   * {@code bLen} divide {@code n}.
   */
  void binary(BinaryOp op, int n, float[] a, int aOff, int aLen, float[] b, int bOff, int bLen,
              float[] out, int outOff);

  /** {@code out[i] = f(x[i])} for {@code i < n}. */
  void unary(UnaryOp op, int n, float[] x, int xOff, float[] out, int outOff);

  /**
   * Backward of {@link #unary}: {@code dx[i] (+)= dy[i] · f'(x[i])}. Rules that are cheaper from
   * the output (exp, tanh, sqrt, reciprocal) read {@code y = f(x)}; pass both.
   */
  void unaryBackward(UnaryOp op, int n, float[] x, int xOff, float[] y, int yOff,
                     float[] dy, int dyOff, float[] dx, int dxOff, boolean accumulate);

  /** {@code y[i] += alpha · x[i]} for {@code i < n}. */
  void axpy(int n, float alpha, float[] x, int xOff, float[] y, int yOff);

  /** {@code x[i] *= alpha} for {@code i < n}. */
  void scale(int n, float alpha, float[] x, int xOff);

  /**
   * One AdamW step on {@code n} parameters, PyTorch's rule:
   * {@code p -= lr·wd·p; m = b1·m + (1-b1)·g; v = b2·v + (1-b2)·g²;
   * p -= lr · (m / bc1) / (sqrt(v / bc2) + eps)}, with {@code bc1 = 1 - b1^t}, {@code bc2 = 1 - b2^t}.
   */
  void adamw(int n, float[] p, int pOff, float[] g, int gOff, float[] m, int mOff, float[] v, int vOff,
             float lr, float beta1, float beta2, float eps, float weightDecay, float bc1, float bc2);

  // ---------------------------------------------------------------- reductions

  /** Sum of {@code x[off, off+n)}, accumulated in double in fixed blocks (thread-count independent). */
  double sum(int n, float[] x, int off);

  /** Maximum of {@code x[off, off+n)}; NaN if any element is NaN; -Inf for n = 0. */
  float max(int n, float[] x, int off);

  /** {@code out[r] = sum_c x[r, c]} for a {@code [rows, cols]} matrix. */
  void sumRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff);

  /** {@code out[r] = max_c x[r, c]} for a {@code [rows, cols]} matrix. */
  void maxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff);

  /** {@code out[c] (+)= sum_r x[r, c]}: the column sums (bias gradients, broadcast backward). */
  void sumColumns(int rows, int cols, float[] x, int xOff, float[] out, int outOff, boolean accumulate);

  // ---------------------------------------------------------------- softmax

  /** Row-wise softmax of a {@code [rows, cols]} matrix (max-subtracted, so large inputs stay finite). */
  void softmaxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff);

  /** Row-wise log-softmax: {@code x - max - log(sum(exp(x - max)))}. */
  void logSoftmaxRows(int rows, int cols, float[] x, int xOff, float[] out, int outOff);

  /** Softmax backward from its output y: {@code dx (+)= y · (dy - sum_c(dy · y))}, per row. */
  void softmaxBackwardRows(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff,
                           float[] dx, int dxOff, boolean accumulate);

  /** Log-softmax backward from its output y: {@code dx (+)= dy - exp(y) · sum_c(dy)}, per row. */
  void logSoftmaxBackwardRows(int rows, int cols, float[] y, int yOff, float[] dy, int dyOff,
                              float[] dx, int dxOff, boolean accumulate);

  // ---------------------------------------------------------------- layer norm

  /**
   * LayerNorm over the last axis of {@code x: [rows, cols]}:
   * {@code out = (x - mean) · rstd · gamma + beta}, with {@code rstd = 1/sqrt(var + eps)} and the
   * biased variance (PyTorch's). Writes {@code mean[rows]} and {@code rstd[rows]} for backward.
   * {@code gamma}/{@code beta} may be null (no affine part).
   */
  void layerNormForward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                        float[] beta, int bOff, float eps, float[] out, int outOff,
                        float[] mean, int meanOff, float[] rstd, int rstdOff);

  /**
   * LayerNorm backward: {@code dx (+)=} the input gradient; {@code dgamma}, {@code dbeta}
   * {@code (+)=} their column sums (either may be null to skip it). With
   * {@code xhat = (x - mean)·rstd} and {@code g = dy·gamma}:
   * {@code dx = rstd · (g - mean_c(g) - xhat · mean_c(g · xhat))}.
   */
  void layerNormBackward(int rows, int cols, float[] x, int xOff, float[] gamma, int gOff,
                         float[] mean, int meanOff, float[] rstd, int rstdOff,
                         float[] dy, int dyOff, float[] dx, int dxOff,
                         float[] dgamma, int dgOff, float[] dbeta, int dbOff, boolean accumulate);

  // ---------------------------------------------------------------- conv2d via im2col

  /**
   * im2col for one image {@code x: [channels, height, width]} ->
   * {@code col: [channels·kh·kw, outH·outW]} (row = channel-major, then kernel row, kernel col),
   * with zero padding. {@code outH = (height + 2·padH - dilH·(kh-1) - 1) / strideH + 1}.
   */
  void im2col(ConvGeometry g, float[] x, int xOff, float[] col, int colOff);

  /** The adjoint of {@link #im2col}: {@code dx (+)=} the scatter-add of {@code col} (overlaps sum). */
  void col2im(ConvGeometry g, float[] col, int colOff, float[] dx, int dxOff, boolean accumulate);

  // ---------------------------------------------------------------- embedding

  /** {@code out[i, :] = table[ids[i], :]} for a {@code [vocab, dim]} table; ids are range-checked. */
  void gatherRows(int count, int dim, float[] table, int tableOff, int vocab, int[] ids, int idsOff,
                  float[] out, int outOff);

  /**
   * {@code dTable[ids[i], :] += dOut[i, :]}: the adjoint of {@link #gatherRows}. Repeated ids sum;
   * the work is split by table row (or column), never needing atomics.
   */
  void scatterAddRows(int count, int dim, float[] dOut, int dOutOff, int[] ids, int idsOff,
                      float[] dTable, int tableOff, int vocab);
}
