package org.jlora.examples.generate;

import org.jlora.engine.Rng;

/**
 * How the next token is chosen from a row of logits: greedy (argmax) when {@code temperature}
 * is 0, otherwise softmax(logits / temperature) restricted to the {@code topK} most likely tokens
 * ({@code topK} 0 = all of them).
 */
public record Sampling(float temperature, int topK) {
  /** Always the most likely token. */
  public static final Sampling GREEDY = new Sampling(0f, 0);

  public Sampling {
    if (!(temperature >= 0f) || Float.isInfinite(temperature)) {
      throw new IllegalArgumentException("temperature must be a finite number >= 0, got " + temperature);
    }
    if (topK < 0) throw new IllegalArgumentException("top-k must be >= 0 (0 = no limit), got " + topK);
  }

  public boolean greedy() {
    return temperature == 0f;
  }

  /** The chosen token id from {@code logits[off, off + vocab)}; {@code rng} is used only when sampling. */
  public int pick(float[] logits, int off, int vocab, Rng rng) {
    int best = 0;
    for (int i = 1; i < vocab; i++) {
      if (logits[off + i] > logits[off + best]) best = i;
    }
    if (greedy()) return best;
    float cutoff = Float.NEGATIVE_INFINITY;
    if (topK > 0 && topK < vocab) cutoff = kthLargest(logits, off, vocab, topK);
    double[] p = new double[vocab];
    double total = 0;
    float max = logits[off + best];
    for (int i = 0; i < vocab; i++) {
      float l = logits[off + i];
      p[i] = l < cutoff ? 0 : Math.exp((l - max) / temperature);   // max-subtracted: no overflow
      total += p[i];
    }
    double u = rng.nextDouble() * total;
    for (int i = 0; i < vocab; i++) {
      u -= p[i];
      if (u < 0) return i;
    }
    return best;   // only reachable through rounding at the very end of the distribution
  }

  /** The k-th largest value of the row (ties kept, so at least k tokens survive the cut). */
  private static float kthLargest(float[] logits, int off, int vocab, int k) {
    float[] row = new float[vocab];
    System.arraycopy(logits, off, row, 0, vocab);
    java.util.Arrays.sort(row);
    return row[vocab - k];
  }
}
