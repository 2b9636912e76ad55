package org.jlora.examples.dataset;

import java.util.Arrays;

/**
 * One example as token ids with a loss mask: {@code scored[i]} says whether the loss counts
 * predicting {@code ids[i]} from {@code ids[0..i-1]}. A prompt's tokens are unscored (the model
 * reads them, it is not taught to write them); a completion's are scored.
 */
public record TokenizedExample(int[] ids, boolean[] scored) {
  public TokenizedExample {
    if (ids.length != scored.length) {
      throw new IllegalArgumentException("a tokenized example needs one mask entry per token, got " + ids.length
          + " ids and " + scored.length + " mask entries");
    }
  }

  /** Every token scored (plain text). */
  public static TokenizedExample allScored(int[] ids) {
    boolean[] scored = new boolean[ids.length];
    Arrays.fill(scored, true);
    return new TokenizedExample(ids, scored);
  }

  public int length() {
    return ids.length;
  }

  /** How many tokens the loss counts. */
  public int scoredCount() {
    int n = 0;
    for (boolean s : scored) if (s) n++;
    return n;
  }
}
