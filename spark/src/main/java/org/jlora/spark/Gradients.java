package org.jlora.spark;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Tensor;

/**
 * One worker's contribution to a step, as bytes, and the sum of everyone's.
 *
 * <p>A worker's loss is the mean over its own scored tokens (count c_w), so its gradient g_w is
 * (1/c_w)·Σ its tokens' gradients. The global batch's mean-loss gradient is therefore
 * Σ_w (c_w / C)·g_w with C = Σ c_w: weighting by token counts makes the sum exact even when the
 * workers' batches score different numbers of tokens. The sum runs in rank order on every worker,
 * so every worker holds the same bits afterwards.
 *
 * <p>Message layout (little-endian): int scored tokens, float loss, int n, n floats: the
 * trainable parameters' gradients concatenated in the fixed parameter order.
 */
final class Gradients {
  private Gradients() {}

  /** The global batch's loss and scored-token count, after {@link #reduceInto}. */
  record Global(float loss, long scoredTokens) {}

  /** This worker's message: its token count, its mean loss, its gradients in {@code params} order. */
  static byte[] pack(List<Parameter> params, int scoredTokens, float loss) {
    int n = 0;
    for (Parameter p : params) n += p.value().size();
    ByteBuffer buf = ByteBuffer.allocate(12 + 4 * n).order(ByteOrder.LITTLE_ENDIAN);
    buf.putInt(scoredTokens).putFloat(loss).putInt(n);
    for (Parameter p : params) {
      Tensor g = p.grad();
      int size = p.value().size();
      if (g == null) {
        for (int i = 0; i < size; i++) buf.putFloat(0f);   // a parameter the batch did not reach
      } else {
        float[] d = g.data();
        for (int i = g.offset(), end = g.offset() + size; i < end; i++) buf.putFloat(d[i]);
      }
    }
    return buf.array();
  }

  /**
   * Sums everyone's messages, weighted by their token counts, in rank order, and sets the result
   * as every parameter's gradient. Returns the global mean loss.
   */
  static Global reduceInto(List<Parameter> params, byte[][] messages) {
    ByteBuffer[] bufs = new ByteBuffer[messages.length];
    long total = 0;
    int n = -1;
    float[] losses = new float[messages.length];
    int[] counts = new int[messages.length];
    for (int w = 0; w < messages.length; w++) {
      bufs[w] = ByteBuffer.wrap(messages[w]).order(ByteOrder.LITTLE_ENDIAN);
      counts[w] = bufs[w].getInt();
      losses[w] = bufs[w].getFloat();
      int len = bufs[w].getInt();
      if (n >= 0 && len != n) {
        throw new IllegalStateException("workers disagree on the adapter size (" + n + " and " + len + " floats);"
            + " every worker must inject the same LoRA config into the same model");
      }
      n = len;
      total += counts[w];
    }
    float[] weights = new float[messages.length];
    double loss = 0;
    for (int w = 0; w < messages.length; w++) {
      weights[w] = (float) ((double) counts[w] / total);
      loss += (double) counts[w] / total * losses[w];
    }
    for (Parameter p : params) {
      int size = p.value().size();
      float[] sum = new float[size];
      for (int w = 0; w < messages.length; w++) {   // rank order: the same bits on every worker
        float wt = weights[w];
        ByteBuffer b = bufs[w];
        for (int i = 0; i < size; i++) sum[i] += wt * b.getFloat();
      }
      p.zeroGrad();
      p.accumulateOwnedGrad(Tensor.of(sum, p.shape()));
    }
    return new Global((float) loss, total);
  }
}
