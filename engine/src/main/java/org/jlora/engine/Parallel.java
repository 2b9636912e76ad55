package org.jlora.engine;

import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The engine's one thread pool, sized to the cores ({@code -Djlora.threads=N} overrides).
 *
 * <p>Kernels parallelise their outer loop only and split work by output, so no two threads
 * write the same element and no atomics are needed; a kernel whose result could depend on how
 * work is split (a reduction) must combine fixed-size blocks in a fixed order, so results are
 * identical whatever the thread count.
 */
public final class Parallel {
  /** Work (roughly: multiply-adds or element visits) below which a loop runs on the caller alone. */
  public static final long MIN_PARALLEL_WORK = 1 << 17;

  /** Body of a parallel loop over {@code [from, to)}. */
  @FunctionalInterface
  public interface RangeBody {
    void run(int from, int to);
  }

  private static volatile int threads = initialThreads();
  private static volatile ForkJoinPool pool;

  private Parallel() {}

  private static int initialThreads() {
    String prop = System.getProperty("jlora.threads");
    if (prop == null || prop.isBlank()) return Runtime.getRuntime().availableProcessors();
    try {
      int n = Integer.parseInt(prop.trim());
      if (n < 1) throw new NumberFormatException();
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("-Djlora.threads must be a positive integer, got '" + prop + "'");
    }
  }

  /** Threads kernels may use (the caller counts as one). */
  public static int threads() {
    return threads;
  }

  /** Sets the number of threads; 1 makes every kernel run on the caller. */
  public static synchronized void setThreads(int n) {
    if (n < 1) throw new IllegalArgumentException("threads must be >= 1, got " + n);
    if (n != threads) {
      ForkJoinPool old = pool;
      pool = null;
      threads = n;
      if (old != null) old.shutdown();
    }
  }

  private static ForkJoinPool pool() {
    ForkJoinPool p = pool;
    if (p == null) {
      synchronized (Parallel.class) {
        p = pool;
        if (p == null) {
          AtomicInteger id = new AtomicInteger();
          p = new ForkJoinPool(Math.max(1, threads - 1), fjp -> {
            var t = ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(fjp);
            t.setName("jlora-worker-" + id.incrementAndGet());
            t.setDaemon(true);
            return t;
          }, null, false);
          pool = p;
        }
      }
    }
    return p;
  }

  /**
   * Runs {@code body} over {@code [0, n)} split into at most {@link #threads()} contiguous
   * chunks, each at least {@code grain} long; runs on the caller alone when {@code totalWork}
   * is below {@link #MIN_PARALLEL_WORK} or only one thread is allowed.
   */
  public static void forRange(int n, int grain, long totalWork, RangeBody body) {
    if (n <= 0) return;
    int t = threads;
    int chunks = (int) Math.min(t, (n + (long) Math.max(1, grain) - 1) / Math.max(1, grain));
    if (chunks <= 1 || totalWork < MIN_PARALLEL_WORK || ForkJoinTask.inForkJoinPool()) {
      body.run(0, n);
      return;
    }
    ForkJoinPool p = pool();
    @SuppressWarnings("unchecked")
    ForkJoinTask<?>[] tasks = new ForkJoinTask<?>[chunks - 1];
    for (int c = 1; c < chunks; c++) {
      int from = (int) ((long) n * c / chunks);
      int to = (int) ((long) n * (c + 1) / chunks);
      tasks[c - 1] = p.submit(() -> body.run(from, to));
    }
    body.run(0, (int) ((long) n / chunks));
    for (ForkJoinTask<?> task : tasks) task.join();
  }

  /** {@link #forRange} with grain 1. */
  public static void forRange(int n, long totalWork, RangeBody body) {
    forRange(n, 1, totalWork, body);
  }
}
