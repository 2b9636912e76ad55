package org.jlora.examples.train;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Ctrl-C (SIGINT) or SIGTERM during training: finish the current step, save a resumable
 * checkpoint, say how to resume, then exit, instead of losing the run.
 *
 * <p>The JVM answers those signals by running its shutdown hooks while the other threads keep
 * going, and halts once the hooks return. So the hook here only raises a flag and then waits for
 * the training loop, which checks {@link #requested()} after each step, saves, and calls
 * {@link #saved()}. A run that is not training (or that takes longer than {@code grace}) is not
 * waited for. A second Ctrl-C while waiting does nothing more: the JVM is already shutting down,
 * and {@code kill -9} remains the way to stop at once (the last periodic checkpoint stays loadable).
 */
public final class GracefulStop implements AutoCloseable {
  private final Thread hook;
  private final CountDownLatch done = new CountDownLatch(1);
  private volatile boolean requested;
  private volatile boolean closed;

  private GracefulStop(long graceSeconds) {
    this.hook = new Thread(() -> {
      if (closed) return;
      requested = true;
      System.err.println();
      System.err.println("jlora: stop requested; finishing the current step and saving a checkpoint ...");
      try {
        done.await(graceSeconds, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "jlora-graceful-stop");
  }

  /** Installs the hook until {@link #close()}; {@code graceSeconds} bounds the wait for the save. */
  public static GracefulStop install(long graceSeconds) {
    GracefulStop s = new GracefulStop(graceSeconds);
    Runtime.getRuntime().addShutdownHook(s.hook);
    return s;
  }

  /** Whether a stop was asked for: the loop should save and return after the current step. */
  public boolean requested() {
    return requested;
  }

  /** Asks for a stop from inside the program (tests; the same path as a signal). */
  public void request() {
    requested = true;
  }

  /** The loop has saved (or has nothing to save): the JVM may halt now. */
  public void saved() {
    done.countDown();
  }

  /** Removes the hook when training ends normally; during shutdown removal is not allowed, so it only releases it. */
  @Override
  public void close() {
    closed = true;
    done.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the JVM is already shutting down: the hook has been released above
    }
  }
}
