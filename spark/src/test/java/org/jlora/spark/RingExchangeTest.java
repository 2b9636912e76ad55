package org.jlora.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** The TCP ring all-gather on localhost, three workers as threads, no Spark. */
class RingExchangeTest {
  /** Swaps addresses between threads (what Spark's barrier all-gather does in a job). */
  private static final class Swap implements RingExchange.AddressSwap {
    private final String[] slots;
    private final CyclicBarrier barrier;
    private final int rank;

    Swap(String[] slots, CyclicBarrier barrier, int rank) {
      this.slots = slots;
      this.barrier = barrier;
      this.rank = rank;
    }

    @Override
    public String[] allGather(String mine) {
      slots[rank] = mine;
      try {
        barrier.await(30, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return slots.clone();
    }
  }

  private static List<RingExchange> ring(int n, ExecutorService pool) throws Exception {
    String[] slots = new String[n];
    CyclicBarrier barrier = new CyclicBarrier(n);
    List<Future<RingExchange>> f = new ArrayList<>();
    for (int r = 0; r < n; r++) {
      int rank = r;
      f.add(pool.submit(() -> RingExchange.connect(rank, "127.0.0.1", "run", new Swap(slots, barrier, rank), () -> false)));
    }
    List<RingExchange> out = new ArrayList<>();
    for (Future<RingExchange> x : f) out.add(x.get(30, TimeUnit.SECONDS));
    return out;
  }

  @Test
  void everyWorkerGetsEveryMessageInRankOrder() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<RingExchange> ring = ring(3, pool);
    try {
      for (int round = 0; round < 3; round++) {
        int size = round == 2 ? 1 << 20 : 10 + round;   // a large message must not deadlock the ring
        List<Future<byte[][]>> got = new ArrayList<>();
        for (RingExchange ex : ring) {
          byte[] mine = new byte[size];
          mine[0] = (byte) ex.rank();
          mine[size - 1] = (byte) (100 + ex.rank());
          got.add(pool.submit(() -> ex.allGather(mine)));
        }
        for (Future<byte[][]> g : got) {
          byte[][] all = g.get(30, TimeUnit.SECONDS);
          assertEquals(3, all.length);
          for (int w = 0; w < 3; w++) {
            assertEquals(size, all[w].length);
            assertArrayEquals(new byte[] {(byte) w, (byte) (100 + w)}, new byte[] {all[w][0], all[w][size - 1]});
          }
        }
      }
      long expected = 2L * ((4 + 10) + (4 + 11) + (4 + (1 << 20)));   // N-1 = 2 length-prefixed messages a round
      for (RingExchange ex : ring) assertEquals(expected, ex.bytesSent(), "worker " + ex.rank() + " bytes sent");
    } finally {
      ring.forEach(RingExchange::close);
      pool.shutdownNow();
    }
  }

  @Test
  void aWorkerThatGoesAwayFailsItsNeighboursQuickly() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(3);
    List<RingExchange> ring = ring(3, pool);
    try {
      ring.get(1).close();   // worker 1 dies before the exchange
      long t0 = System.nanoTime();
      Future<byte[][]> w2 = pool.submit(() -> ring.get(2).allGather(new byte[8]));
      ExecutionException e = assertThrows(ExecutionException.class, () -> w2.get(30, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof UncheckedIOException, String.valueOf(e.getCause()));
      assertTrue(e.getCause().getMessage().startsWith("worker 2: "), e.getCause().getMessage());
      assertTrue(System.nanoTime() - t0 < 10_000_000_000L, "failed within seconds, not at the timeout");
    } finally {
      ring.forEach(RingExchange::close);
      pool.shutdownNow();
    }
  }
}
