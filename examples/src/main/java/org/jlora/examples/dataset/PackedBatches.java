package org.jlora.examples.dataset;

import java.util.Arrays;
import java.util.List;
import org.jlora.engine.Rng;
import org.jlora.examples.data.Batch;

/**
 * Batches of packed examples: every example, in order, concatenated into one token stream, cut
 * into windows of {@code contextLength + 1} tokens; a row's inputs are a window's first
 * contextLength tokens and its targets the same window shifted left by one, {@link Batch#IGNORE}
 * where the token is not scored (a prompt). No position is wasted on padding, which is why
 * Hugging Face's {@code group_texts} and TRL's {@code packing=True} do the same.
 *
 * <p>Window k starts at token k·contextLength, so consecutive windows share one token (the last
 * input of one is the first of the next) and every token after the first is a target exactly
 * once. When the stream does not divide evenly, one more window ends at the stream's end, so the
 * tail is not lost (it overlaps its neighbour a little). Windows with no scored target are never
 * picked: a batch of them would have an undefined mean loss.
 *
 * <p>As in those libraries, attention is not stopped at example boundaries: a row may read the
 * end of one example before the start of the next. EOS tokens between text examples mark them.
 *
 * <p>A batch is {@code batchSize} distinct windows chosen by the Rng alone, so the trainer's
 * per-step generator makes every run, and every resumed run, see the same batches.
 */
public final class PackedBatches implements ExampleBatches {
  private final String name;
  private final int[] stream;
  private final boolean[] scored;
  private final DataCounts counts;
  private int windowsFor = -1;   // the context length the cached window starts are for
  private int[] windowStarts;

  /** {@code name} says where the examples came from in messages ("train.jsonl", "the validation split"). */
  public PackedBatches(String name, List<TokenizedExample> examples) {
    this.name = name;
    this.counts = DataCounts.of(examples);
    if (counts.tokens() > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException(name + " has " + counts.tokens() + " tokens; at most " + (Integer.MAX_VALUE - 8)
          + " fit one packed stream (split the data)");
    }
    this.stream = new int[(int) counts.tokens()];
    this.scored = new boolean[stream.length];
    int at = 0;
    for (TokenizedExample example : examples) {
      System.arraycopy(example.ids(), 0, stream, at, example.length());
      System.arraycopy(example.scored(), 0, scored, at, example.length());
      at += example.length();
    }
  }

  @Override
  public String name() {
    return name;
  }

  /** The counts; packing cuts nothing away, whatever the context length. */
  @Override
  public DataCounts counts(int contextLength) {
    return counts;
  }

  /** The windows a context length cuts, those with a scored target. */
  public int windowCount(int contextLength) {
    return windowStarts(contextLength).length;
  }

  @Override
  public String tooSmall(int batchSize, int contextLength) {
    checkShape(batchSize, contextLength);
    int windows = windowCount(contextLength);
    if (windows >= batchSize) return null;
    long needed = (long) batchSize * contextLength + 1;
    return "has " + stream.length + " tokens (" + counts.scoredTokens() + " scored), which pack into " + windows
        + " window" + (windows == 1 ? "" : "s") + " of " + (contextLength + 1) + " tokens with something to learn; "
        + "one batch of " + batchSize + " rows needs at least " + needed + " tokens (use a smaller batch size or "
        + "context length, or more data)";
  }

  @Override
  public Batch next(Rng rng, int batchSize, int contextLength) {
    String problem = tooSmall(batchSize, contextLength);
    if (problem != null) throw new IllegalArgumentException(name + " " + problem);
    int[] starts = windowStarts(contextLength);
    int[] inputs = new int[batchSize * contextLength];
    int[] targets = new int[batchSize * contextLength];
    int[] picks = DistinctPicks.pick(rng, batchSize, starts.length);
    for (int b = 0; b < batchSize; b++) {
      int start = starts[picks[b]];
      int row = b * contextLength;
      System.arraycopy(stream, start, inputs, row, contextLength);
      for (int t = 0; t < contextLength; t++) {
        int next = start + t + 1;   // targets[b, t] = stream[start + t + 1]
        targets[row + t] = scored[next] ? stream[next] : Batch.IGNORE;
      }
    }
    return new Batch(inputs, targets, batchSize, contextLength);
  }

  private synchronized int[] windowStarts(int contextLength) {
    if (contextLength != windowsFor) {
      windowStarts = cutWindows(contextLength);
      windowsFor = contextLength;
    }
    return windowStarts;
  }

  private int[] cutWindows(int contextLength) {
    int predictions = stream.length - 1;
    if (predictions < contextLength) return new int[0];
    int full = predictions / contextLength;
    boolean tail = predictions % contextLength != 0;
    int[] starts = new int[full + (tail ? 1 : 0)];
    int kept = 0;
    for (int k = 0; k < starts.length; k++) {
      int start = k < full ? k * contextLength : stream.length - 1 - contextLength;
      if (hasScoredTarget(start, contextLength)) starts[kept++] = start;
    }
    return Arrays.copyOf(starts, kept);
  }

  private boolean hasScoredTarget(int start, int contextLength) {
    for (int i = start + 1; i <= start + contextLength; i++) if (scored[i]) return true;
    return false;
  }

  private static void checkShape(int batchSize, int contextLength) {
    if (batchSize <= 0 || contextLength <= 0) {
      throw new IllegalArgumentException("batch size and context length must be positive, got " + batchSize + " and "
          + contextLength);
    }
  }
}
