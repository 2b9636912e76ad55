package org.jlora.examples.data;

/**
 * A training batch of token ids, row-major {@code [batchSize, blockSize]}: {@code targets[b, t]}
 * is the token that should follow {@code inputs[b, 0..t]}, or {@link #IGNORE} where the loss
 * should not score that position.
 */
public record Batch(int[] inputs, int[] targets, int batchSize, int blockSize) {
  /** The target value the loss skips (PyTorch's default ignore_index). */
  public static final int IGNORE = -100;

  public Batch {
    if (batchSize <= 0 || blockSize <= 0) {
      throw new IllegalArgumentException("Batch: batchSize and blockSize must be positive, got ["
          + batchSize + ", " + blockSize + "]");
    }
    long size = (long) batchSize * blockSize;
    if (inputs.length != size || targets.length != size) {
      throw new IllegalArgumentException("Batch: [" + batchSize + ", " + blockSize + "] needs " + size
          + " inputs and targets, got " + inputs.length + " and " + targets.length);
    }
  }

  /** inputs[b, t]. */
  public int input(int b, int t) {
    return inputs[b * blockSize + t];
  }

  /** targets[b, t]. */
  public int target(int b, int t) {
    return targets[b * blockSize + t];
  }

  /** How many targets the loss scores (not {@link #IGNORE}): the mean's denominator. */
  public int scoredCount() {
    int n = 0;
    for (int target : targets) if (target != IGNORE) n++;
    return n;
  }
}
