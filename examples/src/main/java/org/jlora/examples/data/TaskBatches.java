package org.jlora.examples.data;

import org.jlora.engine.Rng;

/**
 * Training batches from a {@link Task}: each row is examples packed back to back, starting at an
 * example's first character (as at inference, where the prompt sits at position 0), filled to
 * blockSize + 1 tokens (the last example cut wherever the row ends). Inputs are the row's first
 * blockSize tokens, targets the same row shifted left by one.
 *
 * <p>With {@code answerOnlyLoss}, a target that is a prompt character is {@link Batch#IGNORE}:
 * the prompt's random letters cannot be predicted, and scoring them only adds noise. The target
 * at the '=' position (the answer's first character) and the answer's closing '\n' (which
 * teaches the model to stop) are scored.
 */
public final class TaskBatches {
  private final Task task;
  private final CharTokenizer tokenizer;
  private final boolean answerOnlyLoss;

  public TaskBatches(Task task, CharTokenizer tokenizer, boolean answerOnlyLoss) {
    this.task = task;
    this.tokenizer = tokenizer;
    this.answerOnlyLoss = answerOnlyLoss;
  }

  /** Batches of {@code task} with the shared {@link Tasks#tokenizer()}. */
  public TaskBatches(Task task, boolean answerOnlyLoss) {
    this(task, Tasks.tokenizer(), answerOnlyLoss);
  }

  public Task task() {
    return task;
  }

  public boolean answerOnlyLoss() {
    return answerOnlyLoss;
  }

  /** A fresh training batch of {@code batchSize} packed rows: inputs and targets [batchSize, blockSize]. */
  public Batch next(Rng rng, int batchSize, int blockSize) {
    return batch(rng, batchSize, blockSize, false);
  }

  /**
   * A validation batch, packed like {@link #next} from {@link Task#sampleHeldOut} examples (for
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
    boolean[] isPrompt = new boolean[rowLength];
    int[] inputs = new int[batchSize * blockSize];
    int[] targets = new int[batchSize * blockSize];
    for (int b = 0; b < batchSize; b++) {
      fillRow(rng, heldOut, row, isPrompt);
      // inputs[b, t] = row[t]; targets[b, t] = row[t + 1]
      System.arraycopy(row, 0, inputs, b * blockSize, blockSize);
      for (int t = 0; t < blockSize; t++) {
        targets[b * blockSize + t] = answerOnlyLoss && isPrompt[t + 1] ? Batch.IGNORE : row[t + 1];
      }
    }
    return new Batch(inputs, targets, batchSize, blockSize);
  }

  /** Packs whole examples into row until it is full; isPrompt marks the prompt characters. */
  private void fillRow(Rng rng, boolean heldOut, int[] row, boolean[] isPrompt) {
    int filled = 0;
    while (filled < row.length) {
      Example example = heldOut ? task.sampleHeldOut(rng) : task.sample(rng);
      int[] prompt = tokenizer.encode(example.prompt());
      int[] answer = tokenizer.encode(example.answer());
      for (int i = 0; i < prompt.length && filled < row.length; i++, filled++) {
        row[filled] = prompt[i];
        isPrompt[filled] = true;
      }
      for (int i = 0; i < answer.length && filled < row.length; i++, filled++) {
        row[filled] = answer[i];
        isPrompt[filled] = false;
      }
    }
  }
}
