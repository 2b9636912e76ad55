package org.jlora.examples.dataset;

import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.Rng;
import org.jlora.examples.data.Batch;

/**
 * Batches of one example a row, starting at position 0 exactly as a prompt does at inference:
 * the example's first {@code contextLength + 1} tokens (a longer one is cut, and counted in
 * {@link DataCounts#truncatedExamples()} so the user can be warned), then the pad id, whose
 * targets are {@link Batch#IGNORE}. Attention is causal, so no real token reads the padding and
 * the pad id does not change the loss. Costlier than packing (padding is computed for nothing),
 * but examples never share a row.
 *
 * <p>An example with no scored token within the row (a prompt longer than the context) is left
 * out and counted, since a batch of such rows would have an undefined mean loss. A batch is
 * {@code batchSize} distinct examples chosen by the Rng alone.
 */
public final class PaddedBatches implements ExampleBatches {
  private final String name;
  private final List<TokenizedExample> examples;
  private final int padId;
  private final DataCounts allCounts;
  private int usableFor = -1;   // the context length the cached selection is for
  private List<TokenizedExample> usable;
  private int truncated;

  /**
   * {@code padId}: the input id under padding (the tokenizer's pad or EOS; any valid id works).
   * {@code name} says where the examples came from in messages.
   */
  public PaddedBatches(String name, List<TokenizedExample> examples, int padId) {
    if (padId < 0) throw new IllegalArgumentException("the pad id must be a token id (>= 0), got " + padId);
    this.name = name;
    this.examples = List.copyOf(examples);
    this.padId = padId;
    this.allCounts = DataCounts.of(this.examples);
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public DataCounts counts(int contextLength) {
    int usableCount = usable(contextLength).size();
    synchronized (this) {
      return allCounts.withCuts(truncated, examples.size() - usableCount);
    }
  }

  @Override
  public String tooSmall(int batchSize, int contextLength) {
    if (batchSize <= 0 || contextLength <= 0) {
      throw new IllegalArgumentException("batch size and context length must be positive, got " + batchSize + " and "
          + contextLength);
    }
    int n = usable(contextLength).size();
    if (n >= batchSize) return null;
    return "has " + n + " example" + (n == 1 ? "" : "s") + " with a scored token in the first "
        + (contextLength + 1) + " (" + allCounts.tokens() + " tokens in all); one padded batch of " + batchSize
        + " rows needs " + batchSize + " examples (use a smaller batch size, or packing, or more data)";
  }

  @Override
  public Batch next(Rng rng, int batchSize, int contextLength) {
    String problem = tooSmall(batchSize, contextLength);
    if (problem != null) throw new IllegalArgumentException(name + " " + problem);
    List<TokenizedExample> pool = usable(contextLength);
    int[] inputs = new int[batchSize * contextLength];
    int[] targets = new int[batchSize * contextLength];
    int[] picks = DistinctPicks.pick(rng, batchSize, pool.size());
    for (int b = 0; b < batchSize; b++) {
      TokenizedExample example = pool.get(picks[b]);
      int length = Math.min(example.length(), contextLength + 1);
      int row = b * contextLength;
      for (int t = 0; t < contextLength; t++) {
        inputs[row + t] = t < length ? example.ids()[t] : padId;
        // targets[b, t] = ids[t + 1] where that token is in the row and scored
        targets[row + t] = t + 1 < length && example.scored()[t + 1] ? example.ids()[t + 1] : Batch.IGNORE;
      }
    }
    return new Batch(inputs, targets, batchSize, contextLength);
  }

  private synchronized List<TokenizedExample> usable(int contextLength) {
    if (contextLength != usableFor) {
      List<TokenizedExample> kept = new ArrayList<>();
      int cut = 0;
      for (TokenizedExample example : examples) {
        int length = Math.min(example.length(), contextLength + 1);
        if (example.length() > length) cut++;
        boolean scorable = false;
        for (int i = 1; i < length && !scorable; i++) scorable = example.scored()[i];
        if (scorable) kept.add(example);
      }
      usable = kept;
      truncated = cut;
      usableFor = contextLength;
    }
    return usable;
  }
}
