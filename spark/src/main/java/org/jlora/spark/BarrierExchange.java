package org.jlora.spark;

import java.util.Base64;
import org.apache.spark.BarrierTaskContext;

/**
 * The all-gather of a Spark barrier stage: {@link BarrierTaskContext#allGather(String)} collects
 * one message per task through the driver and returns them ordered by partition id. It carries
 * strings, so the bytes travel as Base64 (4/3 of the raw size).
 *
 * <p>Spark's allGather waits for the reply in one-second sleeps, so every call costs about a
 * second: this exchange is here for comparison ({@code exchange=barrier}), {@link RingExchange} is
 * the default. Every message also passes through the driver's RPC endpoint: fine for a LoRA adapter's gradient
 * (megabytes), the wrong tool for a full model's. Messages must stay below
 * {@code spark.rpc.message.maxSize} (128 MiB by default).
 */
final class BarrierExchange implements GradientExchange {
  private final BarrierTaskContext ctx;
  private final int size;
  private long bytesSent;

  BarrierExchange(BarrierTaskContext ctx) {
    this.ctx = ctx;
    this.size = ctx.getTaskInfos().length;
  }

  @Override
  public int rank() {
    return ctx.partitionId();
  }

  @Override
  public int size() {
    return size;
  }

  @Override
  public byte[][] allGather(byte[] mine) {
    String encoded = Base64.getEncoder().encodeToString(mine);
    bytesSent += encoded.length();
    String[] all = ctx.allGather(encoded);
    if (all.length != size) {
      throw new IllegalStateException("the barrier all-gather returned " + all.length + " messages for " + size + " tasks");
    }
    byte[][] out = new byte[all.length][];
    for (int i = 0; i < all.length; i++) out[i] = Base64.getDecoder().decode(all[i]);
    return out;
  }

  /** Base64 characters this task has sent so far (one byte each on the wire, before framing). */
  @Override
  public long bytesSent() {
    return bytesSent;
  }
}
