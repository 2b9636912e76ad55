package org.jlora.engine;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The threads behind {@link Parallel}: {@code size - 1} workers that, with the calling thread,
 * run one parallel loop at a time.
 *
 * <p>Why not a {@code ForkJoinPool}: a generated token is about fifty products of a millisecond
 * or less each, and a pool's idle worker sleeps, so every loop paid the time it takes to wake a
 * thread (tens of microseconds on a VM) while the caller did the work alone. Here a worker that
 * finishes a loop keeps polling for the next one for {@link #SPIN_NANOS} (a millisecond by
 * default, {@code -Djlora.spinMicros=N}, 0 to sleep at once) before it sleeps, the way OpenMP
 * runtimes wait actively: GPT-2's Conv1D products of one token, split over two threads, took
 * 10.4-10.7 ms with the pool and 6.6-6.8 ms with a polling thread (docs/PERFORMANCE.md). The
 * price is CPU time: a worker polls for up to that long after each loop.
 *
 * <p>A loop is cut into {@code chunks} fixed ranges; the caller and the workers claim chunk
 * numbers from the loop's counter until none is left, so a worker that wakes late simply takes
 * fewer chunks, and who runs a chunk never changes what it computes. Each loop is its own
 * {@link Loop} object, so a worker that looks late at a finished loop finds no chunk left in it
 * and never mixes two loops. One caller at a time: a second thread that calls while a loop is
 * running (or a body that calls {@link Parallel#forRange} again) runs its loop alone, and after
 * such a call the workers sleep at once for a while ({@link #SHARED_NANOS}) instead of polling,
 * since other threads then want the cores.
 */
final class WorkerTeam {
  /** How long an idle worker polls for the next loop before it sleeps. */
  static final long SPIN_NANOS = 1000L * spinMicros();

  private static long spinMicros() {
    String prop = System.getProperty("jlora.spinMicros");
    if (prop == null || prop.isBlank()) return 1000L;
    try {
      long micros = Long.parseLong(prop.trim());
      if (micros < 0 || micros > 10_000_000L) throw new NumberFormatException();
      return micros;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-Djlora.spinMicros must be a number of microseconds from 0 to 10000000, got '"
          + prop + "'");
    }
  }

  /** One parallel loop: its body, its cut into chunks, and who has taken and finished which. */
  private static final class Loop {
    final Parallel.RangeBody body;
    final int n;
    final int chunks;
    final AtomicInteger next = new AtomicInteger();
    final AtomicInteger finished = new AtomicInteger();
    volatile Throwable failure;

    Loop(Parallel.RangeBody body, int n, int chunks) {
      this.body = body;
      this.n = n;
      this.chunks = chunks;
    }

    /** Runs chunks until none is left to claim; a failure is kept for the caller, not thrown here. */
    void work() {
      for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
        try {
          body.run((int) ((long) n * c / chunks), (int) ((long) n * (c + 1) / chunks));
        } catch (Throwable e) {
          if (failure == null) failure = e;
        } finally {
          finished.incrementAndGet();
        }
      }
    }
  }

  /** A thread of the team; {@link #inWorker} tells a body running on one to stay sequential. */
  private final class Worker extends Thread {
    volatile boolean sleeping;

    Worker(int id) {
      super("jlora-worker-" + id);
      setDaemon(true);
    }

    @Override
    public void run() {
      Loop seen = null;
      while (!stopped) {
        Loop loop = current;
        if (loop != seen) {
          seen = loop;
          loop.work();
          continue;
        }
        awaitNewLoop(seen);
      }
    }

    /** Polls for a loop other than {@code seen} for {@link #SPIN_NANOS}, then sleeps until woken. */
    private void awaitNewLoop(Loop seen) {
      long now = System.nanoTime();
      long deadline = polls() ? now + SPIN_NANOS : now;
      while (current == seen && !stopped && System.nanoTime() < deadline) Thread.onSpinWait();
      if (current != seen || stopped) return;
      sleeping = true; // the caller reads this after publishing a loop, so one of us sees the other
      if (current == seen && !stopped) LockSupport.park(this);
      sleeping = false;
    }
  }

  /**
   * How long after a call found the team busy (another thread running loops: Spark's tasks in one
   * JVM, say) the workers sleep at once instead of polling: a polling worker would take the core
   * that other thread needs.
   */
  static final long SHARED_NANOS = 100_000_000L;

  private final Worker[] workers;
  private final ReentrantLock caller = new ReentrantLock();
  /** {@link System#nanoTime} of the last call that found the team busy with another thread's loop. */
  private volatile long busyAt = System.nanoTime() - 2 * SHARED_NANOS;
  private volatile Loop current;
  private volatile boolean stopped;

  /** A team of {@code size} threads counting the caller: starts {@code size - 1} workers. */
  WorkerTeam(int size) {
    workers = new Worker[size - 1];
    for (int i = 0; i < workers.length; i++) {
      workers[i] = new Worker(i + 1);
      workers[i].start();
    }
  }

  /** Whether an idle worker polls for the next loop now (false for a while after a call found the team busy). */
  boolean polls() {
    return System.nanoTime() - busyAt >= SHARED_NANOS;
  }

  /** Whether the current thread is one of a team's workers (a body there must not fork again). */
  static boolean inWorker() {
    return Thread.currentThread() instanceof Worker;
  }

  /**
   * Runs {@code body} over {@code [0, n)} cut into {@code chunks} ranges on the team, or alone
   * on the caller when the team is busy with another loop or the caller is already inside one.
   * A failure in any chunk is rethrown here, as it was thrown, after every chunk has finished.
   */
  void run(int n, int chunks, Parallel.RangeBody body) {
    if (caller.isHeldByCurrentThread()) { // a loop inside a loop
      body.run(0, n);
      return;
    }
    if (!caller.tryLock()) { // another thread's loop is running: this one runs alone, and nobody polls for a while
      busyAt = System.nanoTime();
      body.run(0, n);
      return;
    }
    try {
      Loop loop = new Loop(body, n, chunks);
      current = loop;
      for (Worker w : workers) {
        if (w.sleeping) LockSupport.unpark(w);
      }
      loop.work();
      for (int spins = 0; loop.finished.get() < chunks; spins++) {
        if (spins < 100_000) Thread.onSpinWait(); else Thread.yield(); // a worker was descheduled mid-chunk
      }
      Throwable failure = loop.failure;
      if (failure instanceof RuntimeException e) throw e;
      if (failure instanceof Error e) throw e;
      if (failure != null) throw new IllegalStateException(failure);
    } finally {
      caller.unlock();
    }
  }

  /** Stops the workers (they finish the loop they are in, then exit). */
  void stop() {
    stopped = true;
    for (Worker w : workers) LockSupport.unpark(w);
  }
}
