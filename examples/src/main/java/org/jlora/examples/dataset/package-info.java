/**
 * Training data from a user's own files, the way one file travels to the trainer:
 * <ol>
 *   <li>{@link org.jlora.examples.dataset.Utf8Lines}: bytes to lines, strict UTF-8, bounded line
 *       length; every error names the file and line ({@link org.jlora.examples.dataset.DataFileException}).
 *   <li>{@link org.jlora.examples.dataset.PlainTextReader} or {@link org.jlora.examples.dataset.JsonlReader}:
 *       lines to {@link org.jlora.examples.dataset.DataRecord}s (text, prompt/completion, conversation).
 *   <li>{@link org.jlora.examples.dataset.ExampleEncoder}: records to
 *       {@link org.jlora.examples.dataset.TokenizedExample}s, ids with a loss mask; conversations
 *       through a {@link org.jlora.examples.dataset.ChatRenderer} (the model's chat template).
 *   <li>{@link org.jlora.examples.dataset.ValidationSplit}: whole examples held out, seeded.
 *   <li>{@link org.jlora.examples.dataset.PackedBatches} or {@link org.jlora.examples.dataset.PaddedBatches}:
 *       examples to the trainer's batches, targets shifted, unscored positions ignored.
 * </ol>
 * {@link org.jlora.examples.dataset.FineTuneData} does all of it in one call;
 * {@link org.jlora.examples.dataset.EvalLines} scores a file line by line for {@code jlora eval}.
 */
package org.jlora.examples.dataset;
