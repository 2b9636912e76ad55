package org.jlora.engine.kernels;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.jlora.engine.Parallel;

/**
 * Work sharing for the matmul paths: a loop over chunks of C (rows or column panels) that the
 * threads of {@link Parallel} take one at a time as they come free. On a shared machine a
 * thread that starts late, or a core slowed by another process, then simply takes fewer chunks
 * instead of holding everyone up at the join.
 *
 * <p>The counter only hands out chunk numbers; each chunk writes its own part of C, and covers
 * the same elements whichever thread takes it, so results do not depend on the thread count.
 */
final class MatmulChunks {
  /** Chunks per thread to aim for: enough to even out a slow thread, few enough to stay cheap. */
  static final int PER_THREAD = 4;

  private MatmulChunks() {}

  /** The chunk size (in units of the loop) that gives about {@link #PER_THREAD} chunks a thread. */
  static int size(int units, int threads, int maxSize) {
    return Math.max(1, Math.min(maxSize, units / (PER_THREAD * threads)));
  }

  /**
   * Runs {@code body} on each chunk {@code 0 .. chunks-1} on up to {@code threads} threads; all
   * on the caller when {@code work} is below {@link Parallel#MIN_PARALLEL_WORK} (pass 0 to force).
   */
  static void forEach(int chunks, long work, int threads, IntConsumer body) {
    AtomicInteger next = new AtomicInteger();
    Parallel.forRange(Math.min(threads, chunks), work, (from, to) -> {
      for (int chunk = next.getAndIncrement(); chunk < chunks; chunk = next.getAndIncrement()) {
        body.accept(chunk);
      }
    });
  }
}
