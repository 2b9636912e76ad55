package org.jlora.examples.data;

import org.jlora.engine.Rng;

/**
 * Training batches from a {@link Task}. A row is blockSize + 1 tokens laid out one of two ways:
 * <ul>
 *   <li>{@link Layout#PACKED}: examples back to back, starting at an example's first character
 *       and filled to the end (the last example cut wherever the row ends);
 *   <li>{@link Layout#ONE_PER_ROW}: one example at position 0, exactly where a prompt sits at
 *       inference, then padding whose targets are {@link Batch#IGNORE}. A model with learnt
 *       absolute positions then never has to find where an example starts, and nothing attends
 *       to the padding (attention is causal), so the pad id does not matter.
 * </ul>
 * Inputs are the row's first blockSize tokens, targets the same row shifted left by one.
 *
 * <p>With {@code answerOnlyLoss}, a target that is a prompt character is {@link Batch#IGNORE}:
 * the prompt's random letters cannot be predicted, and scoring them only adds noise. The target
 * at the '=' position (the answer's first character) and the answer's closing '\n' (which
 * teaches the model to stop) are scored.
 */
public final class TaskBatches {
  /** How examples fill a row. */
  public enum Layout { PACKED, ONE_PER_ROW }

  /** The input id under the padding of a {@link Layout#ONE_PER_ROW} row (never scored, never attended to). */
  static final int PAD_ID = 0;

  private final Task task;
  private final CharTokenizer tokenizer;
  private final boolean answerOnlyLoss;
  private final Layout layout;

  public TaskBatches(Task task, CharTokenizer tokenizer, boolean answerOnlyLoss, Layout layout) {
    this.task = task;
    this.tokenizer = tokenizer;
    this.answerOnlyLoss = answerOnlyLoss;
    this.layout = layout;
  }

  /** Packed rows. */
  public TaskBatches(Task task, CharTokenizer tokenizer, boolean answerOnlyLoss) {
    this(task, tokenizer, answerOnlyLoss, Layout.PACKED);
  }

  /** Packed batches of {@code task} with the shared {@link Tasks#tokenizer()}. */
  public TaskBatches(Task task, boolean answerOnlyLoss) {
    this(task, Tasks.tokenizer(), answerOnlyLoss);
  }

  public Layout layout() {
    return layout;
  }

  public Task task() {
    return task;
  }

  public boolean answerOnlyLoss() {
    return answerOnlyLoss;
  }

  /** A fresh training batch of {@code batchSize} rows: inputs and targets [batchSize, blockSize]. */
  public Batch next(Rng rng, int batchSize, int blockSize) {
    return batch(rng, batchSize, blockSize, false);
  }

  /**
   * A validation batch, laid out like {@link #next}, from {@link Task#sampleHeldOut} examples (for
   * the built-in tasks: words never trained on). With {@code new Rng(seed)} it is the same batch
   * every time, so validation losses are comparable across steps and runs.
   */
  public Batch nextHeldOut(Rng rng, int batchSize, int blockSize) {
    return batch(rng, batchSize, blockSize, true);
  }

  private Batch batch(Rng rng, int batchSize, int blockSize, boolean heldOut) {
    if (batchSize <= 0 || blockSize <= 0) {
      throw new IllegalArgumentException("TaskBatches: batchSize and blockSize must be positive, got ["
          + batchSize + ", " + blockSize + "]");
    }
    int rowLength = blockSize + 1;
    int[] row = new int[rowLength];
    boolean[] scored = new boolean[rowLength];
    int[] inputs = new int[batchSize * blockSize];
    int[] targets = new int[batchSize * blockSize];
    for (int b = 0; b < batchSize; b++) {
      fillRow(rng, heldOut, row, scored);
      // inputs[b, t] = row[t]; targets[b, t] = row[t + 1]
      System.arraycopy(row, 0, inputs, b * blockSize, blockSize);
      for (int t = 0; t < blockSize; t++) {
        targets[b * blockSize + t] = scored[t + 1] ? row[t + 1] : Batch.IGNORE;
      }
    }
    return new Batch(inputs, targets, batchSize, blockSize);
  }

  /**
   * Fills row with whole examples (one, or as many as fit) and marks in scored the tokens the loss
   * should predict: all of them, or only answers with answerOnlyLoss; never padding.
   */
  private void fillRow(Rng rng, boolean heldOut, int[] row, boolean[] scored) {
    int filled = 0;
    do {
      Example example = heldOut ? task.sampleHeldOut(rng) : task.sample(rng);
      int[] prompt = tokenizer.encode(example.prompt());
      int[] answer = tokenizer.encode(example.answer());
      for (int i = 0; i < prompt.length && filled < row.length; i++, filled++) {
        row[filled] = prompt[i];
        scored[filled] = !answerOnlyLoss;
      }
      for (int i = 0; i < answer.length && filled < row.length; i++, filled++) {
        row[filled] = answer[i];
        scored[filled] = true;
      }
    } while (layout == Layout.PACKED && filled < row.length);
    for (; filled < row.length; filled++) {
      row[filled] = PAD_ID;
      scored[filled] = false;
    }
  }
}
