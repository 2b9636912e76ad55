package org.jlora.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Tensor;

/**
 * Activation checkpointing (PyTorch's {@code torch.utils.checkpoint}): trade compute for memory by
 * not keeping what a block saves for its backward.
 *
 * <p>A transformer block saves a dozen tensors for backward (normalised inputs, q, k, v, attention
 * weights, the MLP's hidden layer ...), several of them [B, T, 4C] or [B, H, T, T]. With
 * checkpointing the block's forward runs under {@link NoGrad}, so it saves nothing, and the tape
 * gets ONE node holding only the block's inputs. When backward reaches that node, its rule
 * <ol>
 *   <li>runs the forward again, gradients on, on detached copies of the inputs (new leaves that
 *       share the values), with every random generator rewound so dropout draws the same masks
 *       ({@link RandomStates});</li>
 *   <li>backpropagates the incoming gradient through that small local graph: the parameters the
 *       block uses are leaves of it, so their gradients accumulate as they would without
 *       checkpointing;</li>
 *   <li>hands the detached inputs' gradients to the real inputs, and drops the local graph.</li>
 * </ol>
 * The cost: one more forward of every checkpointed block per step (about a third more compute for
 * a model whose blocks dominate). The saving: per block, the saved activations become its input.
 *
 * <p>The result is exact: the recompute does the same arithmetic in the same order as the forward
 * (jlora's kernels give identical results for any thread count), so the loss and the gradients
 * equal those without checkpointing bit for bit.
 *
 * <p>Contract: the block reads tensors that need gradients only through {@code inputs} and
 * {@code params}; a captured intermediate of the outer graph is refused when backward reaches it
 * (backpropagating into it from here would run the outer graph's rules early and release them).
 * The block must compute the same thing twice: no state that changes between the calls (a KV
 * cache, a step counter), which is why models never checkpoint a forward that uses a cache.
 */
public final class Checkpoint {
  private Checkpoint() {}

  /**
   * {@code block(inputs)}, recorded as one node that recomputes the block in backward.
   * {@code params} are the leaves the block may train (a module's {@code parameters()}; frozen ones
   * are skipped): they are what makes the node worth recording when no input needs a gradient, as
   * for the first block of a LoRA model, whose input comes from a frozen embedding.
   * Without gradients to record (under NoGrad, or nothing trainable) it is just {@code block(inputs)}.
   */
  public static Variable apply(Function<Variable[], Variable> block, List<? extends Variable> params,
                               Variable... inputs) {
    List<Variable> onTape = new ArrayList<>();
    for (Variable in : inputs) if (in.requiresGrad()) onTape.add(in);
    for (Variable p : params) if (p.requiresGrad()) onTape.add(p);
    if (!NoGrad.isGradEnabled() || onTape.isEmpty()) return block.apply(inputs);

    Tensor out;
    RandomStates.Recording rngs;
    try (RandomStates.Recording rec = RandomStates.record(); NoGrad g = NoGrad.enter()) {
      out = block.apply(inputs).value();   // nothing is saved: no node, no captured tensors
      rngs = rec;
    }
    int[] outShape = out.shape();
    return Variable.fromOp("checkpoint", out, grad -> {
      Variable[] detached = new Variable[inputs.length];
      for (int i = 0; i < inputs.length; i++) detached[i] = Variable.of(inputs[i].value(), inputs[i].requiresGrad());
      long firstSerial = Node.nextSerial();
      Variable y;
      try (NoGrad.AutoCloseableNoThrow on = NoGrad.enableGrad()) {
        y = RandomStates.replay(rngs, () -> block.apply(detached));
      }
      if (!Arrays.equals(y.shape(), outShape)) {
        throw new ShapeException("checkpoint: the recompute gave a different shape", outShape, y.shape());
      }
      if (!y.requiresGrad()) return;   // the block ignored everything trainable: no gradient to pass on
      requireOwnGraph(y, firstSerial);
      y.backward(grad);
      for (int i = 0; i < inputs.length; i++) {
        Tensor gi = detached[i].grad();
        if (gi != null) inputs[i].accumulateOwnedGrad(gi);   // the detached leaf dies here: hand over its buffer
      }
    }, onTape.toArray(new Variable[0]));
  }

  /** {@code block(x)} for a block of one input; see {@link #apply(Function, List, Variable...)}. */
  public static Variable apply(Function<Variable, Variable> block, Variable x, List<? extends Variable> params) {
    return apply(in -> block.apply(in[0]), params, x);
  }

  /**
   * Refuses a local graph that reaches into the outer graph: every op result it reaches must have
   * been made by the recompute (a node serial from {@code firstSerial} on).
   */
  private static void requireOwnGraph(Variable y, long firstSerial) {
    Set<Variable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Variable> todo = new ArrayDeque<>();
    todo.push(y);
    seen.add(y);
    while (!todo.isEmpty()) {
      Node n = todo.pop().node();
      if (n.serial() < firstSerial) {
        throw new IllegalStateException("checkpoint: the block uses the result of '" + n.op()
            + "', computed outside it, that needs a gradient; pass it to the checkpoint as an input "
            + "instead of capturing it");
      }
      for (Variable in : n.inputs()) {
        if (in != null && in.node() != null && in.requiresGrad() && seen.add(in)) todo.push(in);
      }
    }
  }
}
