package org.jlora.engine;

/**
 * The engine's one team of threads, sized to the cores ({@code -Djlora.threads=N} overrides; the
 * workers and how they wait are {@link WorkerTeam}'s).
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
  private static volatile WorkerTeam team;

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
      WorkerTeam old = team;
      team = null;
      threads = n;
      if (old != null) old.stop();
    }
  }

  /** The team for the current thread count, started on first use. */
  static WorkerTeam team() {
    WorkerTeam t = team;
    if (t == null) {
      synchronized (Parallel.class) {
        t = team;
        if (t == null) {
          t = new WorkerTeam(threads);
          team = t;
        }
      }
    }
    return t;
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
    if (chunks <= 1 || totalWork < MIN_PARALLEL_WORK || WorkerTeam.inWorker()) {
      body.run(0, n);
      return;
    }
    team().run(n, chunks, body);
  }

  /** {@link #forRange} with grain 1. */
  public static void forRange(int n, long totalWork, RangeBody body) {
    forRange(n, 1, totalWork, body);
  }
}
