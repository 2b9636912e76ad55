package org.jlora.examples.dataset;

import org.jlora.examples.gpt.Trainer;

/**
 * Batches cut from tokenized examples, packed or padded, with what the command line needs to
 * know before training starts: the counts to print, and whether one batch fits at all.
 */
public sealed interface ExampleBatches extends Trainer.BatchSource permits PackedBatches, PaddedBatches {
  /** Where the examples came from, as messages name it. */
  String name();

  /** The counts, with what rows of {@code contextLength + 1} tokens cut or leave out. */
  DataCounts counts(int contextLength);

  /**
   * Null when a batch of {@code batchSize} distinct rows fits, else why not: how many tokens or
   * examples there are and how many are needed, as a phrase that follows the data's name.
   */
  String tooSmall(int batchSize, int contextLength);
}
