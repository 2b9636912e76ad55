package org.jlora.autograd;

import java.util.List;
import java.util.function.Function;
import org.jlora.autograd.ops.AttentionOps;
import org.jlora.autograd.ops.ConvOps;
import org.jlora.autograd.ops.DropoutOps;
import org.jlora.autograd.ops.ElementwiseOps;
import org.jlora.autograd.ops.EmbeddingOps;
import org.jlora.autograd.ops.GqaAttentionOps;
import org.jlora.autograd.ops.LossOps;
import org.jlora.autograd.ops.MatmulOps;
import org.jlora.autograd.ops.NormOps;
import org.jlora.autograd.ops.ReduceOps;
import org.jlora.autograd.ops.RmsNormOps;
import org.jlora.autograd.ops.RopeOps;
import org.jlora.autograd.ops.ShapeOps;
import org.jlora.autograd.ops.SoftmaxOps;
import org.jlora.autograd.ops.SwiGluOps;
import org.jlora.engine.Rng;
import org.jlora.engine.RopeLayout;
import org.jlora.engine.UnaryOp;

/**
 * The functional op table: one static method per differentiable op. Each delegates to the
 * family file in {@code org.jlora.autograd.ops} where the forward and its gradient rule sit side
 * by side. Shapes follow PyTorch; bad shapes raise a {@link org.jlora.engine.ShapeException}
 * naming the op.
 */
public final class F {
  private F() {}

  // ---------------------------------------------------------------- elementwise (ElementwiseOps)

  /** {@code a + b} with NumPy broadcasting. */
  public static Variable add(Variable a, Variable b) { return ElementwiseOps.add(a, b); }

  /** {@code a - b} with NumPy broadcasting. */
  public static Variable sub(Variable a, Variable b) { return ElementwiseOps.sub(a, b); }

  /** Elementwise {@code a * b} with NumPy broadcasting. */
  public static Variable mul(Variable a, Variable b) { return ElementwiseOps.mul(a, b); }

  /** Elementwise {@code a / b} with NumPy broadcasting. */
  public static Variable div(Variable a, Variable b) { return ElementwiseOps.div(a, b); }

  /** {@code s · x}. */
  public static Variable scale(Variable x, float s) { return ElementwiseOps.scale(x, s); }

  /** {@code -x}. */
  public static Variable neg(Variable x) { return ElementwiseOps.unary(UnaryOp.NEG, x); }

  public static Variable exp(Variable x) { return ElementwiseOps.unary(UnaryOp.EXP, x); }

  /** Natural logarithm. */
  public static Variable log(Variable x) { return ElementwiseOps.unary(UnaryOp.LOG, x); }

  public static Variable tanh(Variable x) { return ElementwiseOps.unary(UnaryOp.TANH, x); }

  public static Variable relu(Variable x) { return ElementwiseOps.unary(UnaryOp.RELU, x); }

  public static Variable sigmoid(Variable x) { return ElementwiseOps.unary(UnaryOp.SIGMOID, x); }

  /** GELU: the tanh approximation (GPT-2's) or the exact erf form (PyTorch's default). */
  public static Variable gelu(Variable x, boolean tanhApprox) {
    return ElementwiseOps.unary(tanhApprox ? UnaryOp.GELU_TANH : UnaryOp.GELU_ERF, x);
  }

  // ---------------------------------------------------------------- products (MatmulOps)

  /** {@code op(a)·op(b)} for matrices; {@code transA} means a is stored [k, m], {@code transB} b as [n, k]. */
  public static Variable matmul(Variable a, boolean transA, Variable b, boolean transB) {
    return MatmulOps.matmul(a, transA, b, transB);
  }

  /** {@code c + op(a)·op(b)} for matrices (PyTorch's addmm): the product accumulates onto a copy of c. */
  public static Variable addmm(Variable c, Variable a, boolean transA, Variable b, boolean transB) {
    return MatmulOps.addmm(c, a, transA, b, transB);
  }

  /** {@code a·b} for matrices. */
  public static Variable matmul(Variable a, Variable b) { return MatmulOps.matmul(a, false, b, false); }

  /** Batched matmul of [batch, ., .] operands with optional transposes of the last two axes. */
  public static Variable bmm(Variable a, boolean transA, Variable b, boolean transB) {
    return MatmulOps.bmm(a, transA, b, transB);
  }

  /** {@code x·Wᵀ + b}: x [..., in], weight [out, in], bias [out] or null -> [..., out]. */
  public static Variable linear(Variable x, Variable weight, Variable biasOrNull) {
    return MatmulOps.linear(x, weight, biasOrNull);
  }

  // ---------------------------------------------------------------- reductions (ReduceOps)

  /** Sum of all elements (shape []). */
  public static Variable sum(Variable x) { return ReduceOps.sum(x); }

  /** Mean of all elements (shape []). */
  public static Variable mean(Variable x) { return ReduceOps.mean(x); }

  /** Sum along an axis, which is removed. */
  public static Variable sum(Variable x, int axis) { return ReduceOps.sum(x, axis); }

  /** Mean along an axis, which is removed. */
  public static Variable mean(Variable x, int axis) { return ReduceOps.mean(x, axis); }

  // ---------------------------------------------------------------- shapes (ShapeOps)

  /** A view with a new shape (one dimension may be -1). */
  public static Variable reshape(Variable x, int... shape) { return ShapeOps.reshape(x, shape); }

  /** Swaps two axes (a copy). */
  public static Variable transpose(Variable x, int axis1, int axis2) { return ShapeOps.transpose(x, axis1, axis2); }

  /** Reorders axes: output axis i is input axis perm[i] (a copy). */
  public static Variable permute(Variable x, int... perm) { return ShapeOps.permute(x, perm); }

  /** Elements [from, to) along an axis. */
  public static Variable slice(Variable x, int axis, int from, int to) { return ShapeOps.slice(x, axis, from, to); }

  /** Consecutive pieces of the given sizes along an axis. */
  public static Variable[] split(Variable x, int axis, int... sizes) { return ShapeOps.split(x, axis, sizes); }

  /** Joins along an axis. */
  public static Variable concat(int axis, Variable... xs) { return ShapeOps.concat(axis, xs); }

  // ---------------------------------------------------------------- softmax family (SoftmaxOps)

  /** Softmax over the last axis. */
  public static Variable softmax(Variable x) { return SoftmaxOps.softmax(x); }

  /** Log-softmax over the last axis. */
  public static Variable logSoftmax(Variable x) { return SoftmaxOps.logSoftmax(x); }

  /** Sets scores [..., T, T] above the diagonal to -inf (attention may not look ahead). */
  public static Variable causalMask(Variable scores) { return SoftmaxOps.causalMask(scores); }

  // ---------------------------------------------------------------- layers

  /**
   * Fused causal multi-head attention (no dropout): qkv [B, T, 3C] from a fused projection ->
   * {@code softmax(mask(q·kᵀ / sqrt(D)))·v} with heads merged back, [B, T, C].
   */
  public static Variable causalSelfAttention(Variable qkv, int nHead) {
    return AttentionOps.causalSelfAttention(qkv, nHead);
  }

  /** LayerNorm over the last axis; gamma and beta [C] may be null. */
  public static Variable layerNorm(Variable x, Variable gamma, Variable beta, float eps) {
    return NormOps.layerNorm(x, gamma, beta, eps);
  }

  /** RMSNorm over the last axis (Llama's): {@code x / sqrt(mean(x²) + eps) · weight}, weight [C]. */
  public static Variable rmsNorm(Variable x, Variable weight, float eps) {
    return RmsNormOps.rmsNorm(x, weight, eps);
  }

  /** SwiGLU's gate, fused: {@code silu(gate) ∘ up}, both [..., F]. */
  public static Variable swiglu(Variable gate, Variable up) { return SwiGluOps.swiglu(gate, up); }

  /** Rotary position embedding of x [B, T, H, D] at positions startPos.. in the given pair layout. */
  public static Variable rope(Variable x, int startPos, float theta, RopeLayout layout) {
    return RopeOps.rope(x, startPos, theta, layout);
  }

  /** Generation's RoPE at the position {@code position[0]} read when it runs (no gradient; see {@link RopeOps#ropeAt}). */
  public static Variable ropeAt(Variable x, int[] position, int tMax, float theta, RopeLayout layout) {
    return RopeOps.ropeAt(x, position, tMax, theta, layout);
  }

  /**
   * Causal grouped-query attention (no dropout): q [B, T, H, D], k and v [B, T, Hkv, D] with H a
   * multiple of Hkv -> {@code softmax(mask(q·kᵀ / sqrt(D)))·v} with heads merged, [B, T, H·D].
   */
  public static Variable groupedQueryAttention(Variable q, Variable k, Variable v) {
    return GqaAttentionOps.attention(q, k, v);
  }

  /** Rows of {@code table [vocab, dim]} for ids of shape idsShape -> [idsShape..., dim]. */
  public static Variable embedding(Variable table, int[] ids, int... idsShape) {
    return EmbeddingOps.embedding(table, ids, idsShape);
  }

  /** 2-d convolution: x [N, C, H, W], w [O, C/groups, kh, kw], bias [O] or null. */
  public static Variable conv2d(Variable x, Variable w, Variable biasOrNull, int strideH, int strideW,
                                int padH, int padW, int dilH, int dilW, int groups) {
    return ConvOps.conv2d(x, w, biasOrNull, strideH, strideW, padH, padW, dilH, dilW, groups);
  }

  /** Inverted dropout with a seeded generator; identity unless training. */
  public static Variable dropout(Variable x, float p, Rng rng, boolean training) {
    if (training && p > 0f) RandomStates.beforeDraw(rng);   // so a checkpoint's recompute draws the same mask
    return DropoutOps.dropout(x, p, rng, training);
  }

  // ---------------------------------------------------------------- memory (Checkpoint)

  /**
   * {@code block(x)} with activation checkpointing: the block's forward keeps nothing but x, and
   * backward runs it again (same dropout masks) to get its gradients; {@code params} are the
   * block's parameters (e.g. {@code module.parameters()}). Same loss, same gradients, one more
   * forward of the block per step.
   */
  public static Variable checkpoint(Function<Variable, Variable> block, Variable x,
                                    List<? extends Variable> params) {
    return Checkpoint.apply(block, x, params);
  }

  /** Fused log-softmax + NLL: logits [N, V], targets [N] -> mean over targets != ignoreIndex. */
  public static Variable crossEntropy(Variable logits, int[] targets, int ignoreIndex) {
    return LossOps.crossEntropy(logits, targets, ignoreIndex);
  }
}
