package org.jlora.autograd;

import java.util.concurrent.atomic.AtomicLong;

/**
 * The record an op leaves on the tape: its name, its inputs and its {@link GradRule}.
 *
 * <p>{@link Variable#backward} calls the rule once and then {@linkplain #release() releases} the
 * node, dropping the inputs and every tensor the rule saved, so the graph can be collected
 * while the parameters live on.
 */
public final class Node {
  /** Hands out {@link #serial}s: a node made later has a larger one (any thread). */
  private static final AtomicLong SERIALS = new AtomicLong();

  private final String op;
  private final long serial = SERIALS.incrementAndGet();
  private Variable[] inputs;
  private GradRule rule;

  Node(String op, Variable[] inputs, GradRule rule) {
    this.op = op;
    this.inputs = inputs;
    this.rule = rule;
  }

  /** The op that made the value, e.g. "matmul". */
  public String op() {
    return op;
  }

  /**
   * When the node was made, as a count: {@link Checkpoint} tells the nodes of its recompute (made
   * after it started) from nodes of the outer graph that a block must not reach.
   */
  long serial() {
    return serial;
  }

  /** The serial the next node will get. */
  static long nextSerial() {
    return SERIALS.get() + 1;
  }

  /** True once backward has run through this node (its inputs and saved tensors are gone). */
  public boolean released() {
    return rule == null;
  }

  Variable[] inputs() {
    return inputs;
  }

  GradRule rule() {
    return rule;
  }

  void release() {
    inputs = null;
    rule = null;
  }

  @Override
  public String toString() {
    return op + (released() ? " (released)" : "");
  }
}
