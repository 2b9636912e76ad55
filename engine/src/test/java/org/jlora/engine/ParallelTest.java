package org.jlora.engine;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link Parallel} and its {@link WorkerTeam}: every index once, failures as thrown, nesting, several callers. */
class ParallelTest {
  private final int savedThreads = Parallel.threads();
  private static final long WORK = Parallel.MIN_PARALLEL_WORK;

  @AfterEach
  void restoreThreads() {
    Parallel.setThreads(savedThreads);
  }

  @Test
  void everyIndexIsVisitedOnceInChunksThatDoNotDependOnWhoRunsThem() {
    for (int threads = 1; threads <= 4; threads++) {
      Parallel.setThreads(threads);
      for (int n : new int[] {1, 2, 3, 7, 1000}) {
        for (int round = 0; round < 200; round++) { // many loops back to back: workers polling and waking
          int[] visits = new int[n];
          Set<String> ranges = ConcurrentHashMap.newKeySet();
          Parallel.forRange(n, WORK, (from, to) -> {
            ranges.add(from + ".." + to);
            for (int i = from; i < to; i++) visits[i]++;
          });
          int[] once = new int[n];
          java.util.Arrays.fill(once, 1);
          assertArrayEquals(once, visits, n + " indices on " + threads + " threads");
          int chunks = Math.min(threads, n);
          assertEquals(chunks, ranges.size(), "fixed chunks");
          for (int c = 0; c < chunks; c++) {
            assertTrue(ranges.contains((long) n * c / chunks + ".." + (long) n * (c + 1) / chunks));
          }
        }
      }
    }
  }

  @Test
  void aFailureInAnyChunkIsRethrownAsThrownAfterTheOthersFinish() {
    Parallel.setThreads(3);
    for (int failing = 0; failing < 3; failing++) {
      int bad = failing;
      AtomicInteger finished = new AtomicInteger();
      IllegalStateException thrown = new IllegalStateException("chunk " + bad + " failed");
      IllegalStateException caught = assertThrows(IllegalStateException.class, () ->
          Parallel.forRange(3, WORK, (from, to) -> {
            if (from == bad) throw thrown;
            finished.incrementAndGet();
          }));
      assertSame(thrown, caught, "the exception itself, not a copy");
      assertEquals(2, finished.get(), "the other chunks ran to the end");
    }
    int[] after = new int[6]; // the team is still usable
    Parallel.forRange(6, WORK, (from, to) -> { for (int i = from; i < to; i++) after[i] = 1; });
    assertArrayEquals(new int[] {1, 1, 1, 1, 1, 1}, after);
  }

  @Test
  void aLoopInsideALoopRunsOnTheThreadThatReachesIt() {
    Parallel.setThreads(2);
    int[][] cells = new int[4][100];
    Parallel.forRange(4, WORK, (from, to) -> {
      for (int r = from; r < to; r++) {
        int row = r;
        Thread outer = Thread.currentThread();
        Parallel.forRange(100, WORK, (f, t) -> {
          assertSame(outer, Thread.currentThread(), "nested loops stay on their thread");
          for (int i = f; i < t; i++) cells[row][i]++;
        });
      }
    });
    for (int[] row : cells) for (int v : row) assertEquals(1, v);
  }

  @Test
  void severalCallersAtOnceEachGetTheirWholeLoop() throws Exception {
    Parallel.setThreads(2);
    int callers = 4;
    CountDownLatch go = new CountDownLatch(1);
    long[][] sums = new long[callers][];
    Thread[] threads = new Thread[callers];
    for (int c = 0; c < callers; c++) {
      int me = c;
      threads[c] = new Thread(() -> {
        try {
          go.await();
        } catch (InterruptedException e) {
          return;
        }
        long[] mine = new long[500];
        for (int round = 0; round < 300; round++) {
          Parallel.forRange(mine.length, WORK, (from, to) -> { for (int i = from; i < to; i++) mine[i] += i + me; });
        }
        sums[me] = mine;
      });
      threads[c].start();
    }
    go.countDown();
    for (Thread t : threads) t.join();
    for (int c = 0; c < callers; c++) {
      for (int i = 0; i < 500; i++) assertEquals(300L * (i + c), sums[c][i], "caller " + c + ", index " + i);
    }
  }

  @Test
  void aCallThatFindsTheTeamBusyStopsTheWorkersPollingForAWhile() throws Exception {
    Parallel.setThreads(2);
    Parallel.forRange(2, WORK, (f, t) -> {});   // the team exists
    assertTrue(Parallel.team().polls(), "an idle team polls");
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread holder = new Thread(() -> Parallel.forRange(2, WORK, (f, t) -> {
      if (f == 0) {
        inside.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }));
    holder.start();
    inside.await();
    Thread[] ranOn = new Thread[1];
    Parallel.forRange(2, WORK, (f, t) -> ranOn[0] = Thread.currentThread());   // finds the team busy
    release.countDown();
    holder.join();
    assertSame(Thread.currentThread(), ranOn[0], "a busy team's second caller runs its loop itself");
    assertTrue(!Parallel.team().polls(), "another thread wants the cores: the workers sleep instead of polling");
  }

  @Test
  void changingTheThreadCountStopsTheOldWorkersAndStartsNewOnes() throws Exception {
    Parallel.setThreads(3);
    Set<Thread> seen = ConcurrentHashMap.newKeySet();
    for (int round = 0; round < 50; round++) Parallel.forRange(3, WORK, (f, t) -> seen.add(Thread.currentThread()));
    Parallel.setThreads(2);
    int[] visits = new int[10];
    Parallel.forRange(10, WORK, (from, to) -> { for (int i = from; i < to; i++) visits[i]++; });
    for (int v : visits) assertEquals(1, v);
    for (Thread t : seen) {
      if (t.getName().startsWith("jlora-worker")) {
        t.join(5_000);
        assertTrue(!t.isAlive(), t.getName() + " of the old team has stopped");
      }
    }
  }
}
