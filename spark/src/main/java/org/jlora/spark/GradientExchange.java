package org.jlora.spark;

/**
 * How the workers of a synchronous step see each other's gradients: an all-gather. Every worker
 * hands in its message and gets back everyone's, indexed by rank, the same array on every worker,
 * so each can sum them in rank order and arrive at bit-identical totals whatever the timing.
 *
 * <p>An all-gather moves (N-1)·S bytes into each worker for messages of S bytes; a ring
 * all-reduce would move 2(N-1)/N·S. For LoRA's small gradients the simpler all-gather is cheap
 * enough (see the module's README for the numbers). Implementations: {@link RingExchange} (TCP
 * between the workers, the default) and {@link BarrierExchange} (through Spark's driver).
 */
public interface GradientExchange {
  /** This worker's index, 0 .. size-1. */
  int rank();

  /** Number of workers. */
  int size();

  /** Everyone's message in rank order, {@code mine} at {@link #rank()}. Blocks until all have sent. */
  byte[][] allGather(byte[] mine);

  /** Bytes this worker has put on the wire so far (0 when nothing leaves the process). */
  default long bytesSent() {
    return 0;
  }

  /** The exchange of a job with one worker: its own message back. */
  static GradientExchange single() {
    return new GradientExchange() {
      @Override
      public int rank() {
        return 0;
      }

      @Override
      public int size() {
        return 1;
      }

      @Override
      public byte[][] allGather(byte[] mine) {
        return new byte[][] {mine};
      }
    };
  }
}
