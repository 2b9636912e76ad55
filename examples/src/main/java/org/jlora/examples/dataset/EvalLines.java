package org.jlora.examples.dataset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.jlora.examples.data.Batch;
import org.jlora.examples.tokenize.Tokenizer;

/**
 * A file scored line by line ({@code jlora eval --data FILE}): each non-blank line is one example,
 * encoded as a Hugging Face tokenizer does by default ({@code encode(line, true)}), cut to the
 * model's context as {@code tokenizer(line, truncation=True, max_length=context)} would, and every
 * next-token prediction in it is scored. The figure to report is the mean over all predicted
 * tokens of the file (not the mean of per-line means, which would weigh a short line like a long
 * one): {@link #meanLoss} computes it, and matches {@code transformers}' loss summed over rows
 * divided by their predicted tokens.
 */
public final class EvalLines {
  private final List<Batch> rows;
  private final long predictedTokens;
  private final int truncatedLines;
  private final int skippedLines;

  private EvalLines(List<Batch> rows, long predictedTokens, int truncatedLines, int skippedLines) {
    this.rows = List.copyOf(rows);
    this.predictedTokens = predictedTokens;
    this.truncatedLines = truncatedLines;
    this.skippedLines = skippedLines;
  }

  /** Reads {@code file}; a line of a single token (nothing to predict) is skipped and counted. */
  public static EvalLines read(Path file, Tokenizer tokenizer, int contextLength) throws IOException {
    try (Utf8Lines lines = Utf8Lines.open(file)) {
      return read(lines, tokenizer, contextLength);
    }
  }

  public static EvalLines read(Utf8Lines lines, Tokenizer tokenizer, int contextLength) throws IOException {
    if (contextLength < 2) throw new IllegalArgumentException("the context length must be at least 2, got " + contextLength);
    List<Batch> rows = new ArrayList<>();
    long predicted = 0;
    int truncated = 0;
    int skipped = 0;
    String line;
    while ((line = lines.next()) != null) {
      if (line.isBlank()) continue;
      int[] ids = tokenizer.encode(line, true);
      if (ids.length > contextLength) truncated++;
      int length = Math.min(ids.length, contextLength);
      if (length < 2) {
        skipped++;
        continue;
      }
      // inputs ids[0 .. length-1), targets ids[1 .. length): length - 1 predictions, all scored
      int[] inputs = new int[length - 1];
      int[] targets = new int[length - 1];
      System.arraycopy(ids, 0, inputs, 0, length - 1);
      System.arraycopy(ids, 1, targets, 0, length - 1);
      rows.add(new Batch(inputs, targets, 1, length - 1));
      predicted += length - 1;
    }
    if (rows.isEmpty()) {
      throw new DataFileException(lines.file(), "has no line with two or more tokens, so there is nothing to score");
    }
    return new EvalLines(rows, predicted, truncated, skipped);
  }

  /** One row a line: {@code [1, n]} inputs and targets, n the line's predicted tokens (at most context - 1). */
  public List<Batch> rows() {
    return rows;
  }

  /** Predicted tokens over all rows: the mean's denominator. */
  public long predictedTokens() {
    return predictedTokens;
  }

  /** Lines longer than the context, cut to it. */
  public int truncatedLines() {
    return truncatedLines;
  }

  /** Non-blank lines of a single token, not scored. */
  public int skippedLines() {
    return skippedLines;
  }

  /**
   * Mean next-token cross-entropy over every predicted token, given the model's mean loss of one
   * row (what {@code model.loss(inputs, targets, 1, n)} returns): each row's mean is weighed by
   * its number of predictions, summed, and divided by the total.
   */
  public double meanLoss(ToDoubleFunction<Batch> meanLossOfRow) {
    double sum = 0;
    for (Batch row : rows) sum += meanLossOfRow.applyAsDouble(row) * row.blockSize();
    return sum / predictedTokens;
  }
}
