package org.jlora.tornado;

/**
 * Turns one call of a kernel-family method into device tasks through a {@link Binder}. It must
 * ask the binder for the same things in the same order for calls of the same shape: the
 * kernel-by-kernel path replays it on later calls to bind their operands to the graph it built.
 */
@FunctionalInterface
interface Lowering {
  void lower(Object[] args, Binder b);

  /**
   * What, beyond the operands' windows and scalar arguments, decides the tasks of a call: a
   * lowering whose int[] arguments are geometry (not ids) names them here, so calls that differ
   * only in them do not share a graph. Empty by default.
   */
  default String key(Object[] args) {
    return "";
  }
}
