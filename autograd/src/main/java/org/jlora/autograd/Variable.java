package org.jlora.autograd;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.jlora.engine.Backends;
import org.jlora.engine.DType;
import org.jlora.engine.ShapeException;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;

/**
 * A tensor on the autograd tape: its value, whether it requires a gradient, the gradient
 * accumulated so far, and the {@link Node} of the op that produced it (null for a leaf).
 *
 * <p>Define-by-run: every op in {@link F} computes its value at once and, when an input requires
 * a gradient and no {@link NoGrad} scope is open, records a node. {@link #backward()} walks the
 * graph in reverse topological order once, calling each node's rule, then releases the nodes.
 * Leaves keep their gradients (they accumulate across backward calls until {@link #zeroGrad});
 * intermediate gradients are dropped as soon as they have been used.
 */
public class Variable {
  private final Tensor value;
  private Tensor grad;
  private boolean requiresGrad;
  private final Node node;

  /** A leaf. */
  protected Variable(Tensor value, boolean requiresGrad) {
    if (value == null) throw new IllegalArgumentException("a Variable needs a value tensor");
    if (requiresGrad) requireTrainable(value);
    this.value = value;
    this.requiresGrad = requiresGrad;
    this.node = null;
  }

  private Variable(Tensor value, Node node) {
    this.value = value;
    this.requiresGrad = true;
    this.node = node;
  }

  /** A leaf that never requires a gradient (inputs, masks, targets). */
  public static Variable constant(Tensor value) {
    return new Variable(value, false);
  }

  /** A leaf wrapping {@code value} (no copy). */
  public static Variable of(Tensor value, boolean requiresGrad) {
    return new Variable(value, requiresGrad);
  }

  /**
   * For op authors: the output of op {@code op}. When gradients are enabled and any input
   * requires one, the result records a node with {@code rule}; otherwise it is a constant and
   * {@code rule} (with everything it captured) is dropped at once.
   */
  public static Variable fromOp(String op, Tensor value, GradRule rule, Variable... inputs) {
    if (!NoGrad.isGradEnabled()) return constant(value);
    boolean any = false;
    for (Variable in : inputs) any |= in != null && in.requiresGrad;
    if (!any) return constant(value);
    return new Variable(value, new Node(op, inputs.clone(), rule));
  }

  /** The value (shared, not copied). */
  public Tensor value() {
    return value;
  }

  /** The accumulated gradient, or null until one arrives. */
  public Tensor grad() {
    return grad;
  }

  /** Whether gradients flow to (a leaf) or through (an op result) this variable. */
  public boolean requiresGrad() {
    return requiresGrad;
  }

  /** Freezes or unfreezes a leaf; freezing also drops its gradient. */
  public void setRequiresGrad(boolean requiresGrad) {
    if (node != null) {
      throw new IllegalStateException("setRequiresGrad: only leaves can change it; this is the output of "
          + node.op());
    }
    if (requiresGrad) requireTrainable(value);
    this.requiresGrad = requiresGrad;
    if (!requiresGrad) grad = null;
  }

  /** A bf16 value is read-only (a frozen weight kept at half the memory): an optimizer could not update it. */
  private static void requireTrainable(Tensor value) {
    if (value.dtype() != DType.F32) {
      throw new IllegalStateException("a " + value.dtype().label() + " tensor is read-only and cannot be trained;"
          + " train an f32 copy (toF32()) or load the weights in f32 (--base-dtype f32 on the command line)");
    }
  }

  /** True for a variable no op produced (parameters, inputs). */
  public boolean isLeaf() {
    return node == null;
  }

  /** The node of the op that produced this variable, or null for a leaf. */
  public Node node() {
    return node;
  }

  /** A copy of the value's shape. */
  public int[] shape() {
    return value.shape();
  }

  /** Drops the gradient (the next backward allocates a fresh zeroed one). */
  public void zeroGrad() {
    grad = null;
  }

  /**
   * For gradient rules: this variable's gradient buffer, allocated zeroed on first use, so a
   * kernel can add into it in place ({@code accumulate = true}).
   */
  public Tensor gradBuffer() {
    if (grad == null) grad = Tensor.zeros(value.shape());
    return grad;
  }

  /** For gradient rules: {@code grad += g} ({@code g} is copied, never kept). */
  public void accumulateGrad(Tensor g) {
    if (g.size() != value.size()) {
      throw new ShapeException("accumulateGrad", value.shape(), g.shape());
    }
    if (grad == null) {
      grad = Tensor.zeros(value.shape());
      Backends.current().elementwise().copy(g, grad);
    } else {
      Backends.current().elementwise().axpy(1f, g, grad);
    }
  }

  /**
   * For gradient rules: {@code grad += g} where {@code g} is a fresh temporary the rule owns; it
   * becomes the buffer itself when none exists yet (saves a copy).
   */
  public void accumulateOwnedGrad(Tensor g) {
    if (grad == null && g.size() == value.size()) {
      grad = g.reshape(value.shape());
    } else {
      accumulateGrad(g);
    }
  }

  /** Backward from a scalar (one-element) variable: seeds it with 1. */
  public void backward() {
    if (value.size() != 1) {
      throw new IllegalStateException("backward() needs a scalar, this variable has shape "
          + Shapes.str(value.shape()) + "; pass a seed gradient: backward(seed)");
    }
    backward(Tensor.ones(value.shape()));
  }

  /**
   * Backward with {@code seed} as this variable's gradient: runs every rule of the graph that
   * produced it once, in reverse topological order, then releases the graph.
   */
  public void backward(Tensor seed) {
    if (!requiresGrad) {
      throw new IllegalStateException("backward: this variable does not require a gradient "
          + "(no input of the ops that made it requires one, or it was made under NoGrad)");
    }
    if (seed.size() != value.size()) throw new ShapeException("backward seed", value.shape(), seed.shape());
    List<Variable> order = topologicalOrder();
    accumulateGrad(seed);
    for (int i = order.size() - 1; i >= 0; i--) {
      Variable v = order.get(i);
      Node n = v.node;
      if (v.grad != null) n.rule().backward(v.grad);
      v.grad = null;   // an intermediate's gradient is spent once its rule has run
      n.release();
    }
  }

  /** Op results reachable from this one, each after all of its inputs (iterative DFS). */
  private List<Variable> topologicalOrder() {
    if (node == null) return Collections.emptyList();
    List<Variable> order = new ArrayList<>();
    Set<Variable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    ArrayDeque<Object[]> stack = new ArrayDeque<>();   // {variable, next input index}
    seen.add(this);
    stack.push(new Object[] {this, 0});
    while (!stack.isEmpty()) {
      Object[] frame = stack.peek();
      Variable v = (Variable) frame[0];
      Variable[] ins = v.node.inputs();
      if (ins == null) {
        throw new IllegalStateException("backward: the graph through '" + v.node.op()
            + "' was already released by an earlier backward(); run the forward again");
      }
      int next = (Integer) frame[1];
      if (next < ins.length) {
        frame[1] = next + 1;
        Variable in = ins[next];
        if (in != null && in.node != null && in.requiresGrad && seen.add(in)) {
          stack.push(new Object[] {in, 0});
        }
      } else {
        stack.pop();
        order.add(v);
      }
    }
    return order;
  }

  @Override
  public String toString() {
    return "Variable" + Shapes.str(value.shape()) + (node != null ? " <- " + node.op()
        : requiresGrad ? " (leaf, requires grad)" : " (constant)");
  }
}
