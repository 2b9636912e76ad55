package org.jlora.examples.generate;

/**
 * What {@link Generator#generate} produced: each row's new tokens and why the row ended, so a
 * caller can tell the user when a continuation was cut by the context length rather than by
 * the stop token or the token budget.
 *
 * @param tokens per row, the new tokens (the stop token, when one ended the row, included)
 * @param stops  per row, why it ended
 */
public record Generation(int[][] tokens, Stop[] stops) {

  /** Why a row ended. */
  public enum Stop {
    /** It produced the stop token (kept as its last token). */
    STOP_TOKEN,
    /** It produced the number of tokens asked for. */
    MAX_NEW_TOKENS,
    /** The model's context was full before either: the row is shorter than asked. */
    CONTEXT_FULL
  }

  /** The new tokens of row {@code row}. */
  public int[] tokens(int row) {
    return tokens[row];
  }

  /** Why row {@code row} ended. */
  public Stop stop(int row) {
    return stops[row];
  }

  /** Whether some row was cut short by the context length. */
  public boolean hitContext() {
    for (Stop s : stops) {
      if (s == Stop.CONTEXT_FULL) return true;
    }
    return false;
  }
}
