package org.jlora.tornado;

/**
 * Turns one call of a kernel-family method into device tasks through a {@link Binder}. It must
 * ask the binder for the same things in the same order for calls of the same shape: the
 * kernel-by-kernel path replays it on later calls to bind their operands to the graph it built.
 */
@FunctionalInterface
interface Lowering {
  void lower(Object[] args, Binder b);
}
