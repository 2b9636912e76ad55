package org.jlora.examples.dataset;

import java.util.List;

/**
 * What a set of examples holds, for the command line to print before training.
 *
 * @param examples the examples
 * @param tokens their tokens
 * @param scoredTokens the tokens the loss counts
 * @param truncatedExamples examples longer than a padded row, cut to it (0 for packing, which cuts nothing away)
 * @param unscorableExamples examples left out of padded rows because no scored token fits in a row
 *     (a prompt longer than the context, say); they would give a batch nothing to learn
 */
public record DataCounts(int examples, long tokens, long scoredTokens, int truncatedExamples, int unscorableExamples) {
  /** The counts of {@code examples}, none truncated or left out. */
  public static DataCounts of(List<TokenizedExample> examples) {
    Builder counts = builder().examples(examples.size());
    for (TokenizedExample example : examples) {
      counts.tokens += example.length();
      counts.scoredTokens += example.scoredCount();
    }
    return counts.build();
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A copy with the given truncated and left-out counts. */
  DataCounts withCuts(int truncated, int unscorable) {
    return new DataCounts(examples, tokens, scoredTokens, truncated, unscorable);
  }

  /** Named setters, so that the five counts cannot be swapped silently. */
  public static final class Builder {
    private int examples;
    private long tokens;
    private long scoredTokens;
    private int truncatedExamples;
    private int unscorableExamples;

    public Builder examples(int n) {
      examples = n;
      return this;
    }

    public Builder tokens(long n) {
      tokens = n;
      return this;
    }

    public Builder scoredTokens(long n) {
      scoredTokens = n;
      return this;
    }

    public Builder truncatedExamples(int n) {
      truncatedExamples = n;
      return this;
    }

    public Builder unscorableExamples(int n) {
      unscorableExamples = n;
      return this;
    }

    public DataCounts build() {
      return new DataCounts(examples, tokens, scoredTokens, truncatedExamples, unscorableExamples);
    }
  }

  @Override
  public String toString() {
    return examples + " examples, " + tokens + " tokens (" + scoredTokens + " scored)"
        + (truncatedExamples > 0 ? ", " + truncatedExamples + " cut to the context length" : "")
        + (unscorableExamples > 0 ? ", " + unscorableExamples + " left out (no scored token fits the context)" : "");
  }
}
