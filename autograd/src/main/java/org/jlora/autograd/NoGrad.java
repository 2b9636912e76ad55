package org.jlora.autograd;

/**
 * A scope in which ops record nothing on the tape (inference, optimizer updates, weight merges):
 * <pre>{@code
 * try (NoGrad g = NoGrad.enter()) {
 *   Variable logits = model.forward(x);   // no nodes, no saved tensors
 * }
 * }</pre>
 * Scopes nest and are per thread.
 */
public final class NoGrad implements AutoCloseable {
  private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);
  private boolean closed;

  private NoGrad() {}

  /** Enters a no-grad scope; close it (try-with-resources) to leave. */
  public static NoGrad enter() {
    DEPTH.get()[0]++;
    return new NoGrad();
  }

  /** True when ops should record gradients on this thread (no scope is open). */
  public static boolean isGradEnabled() {
    return DEPTH.get()[0] == 0;
  }

  /**
   * For {@link Checkpoint}'s recompute, which must record a graph even when backward was called
   * inside a NoGrad scope: enables gradients on this thread until the returned handle is closed,
   * which reopens the scopes that were open.
   */
  static AutoCloseableNoThrow enableGrad() {
    int[] depth = DEPTH.get();
    int saved = depth[0];
    depth[0] = 0;
    return () -> depth[0] = saved;
  }

  /** An AutoCloseable whose close throws nothing, for try-with-resources without a catch. */
  interface AutoCloseableNoThrow extends AutoCloseable {
    @Override
    void close();
  }

  @Override
  public void close() {
    if (!closed) {
      closed = true;
      DEPTH.get()[0]--;
    }
  }
}
