package org.jlora.examples.dataset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import org.jlora.examples.tokenize.Tokenizer;

/**
 * A user's training file as the trainer's two batch sources, in one call: read (a {@code .jsonl}
 * file as JSON Lines, anything else as plain text), tokenize with the loss mask, split off
 * validation examples (a fraction, or a separate file), and lay them out packed or padded.
 *
 * <pre>{@code
 * FineTuneData data = FineTuneData.load(Path.of("train.jsonl"), tokenizer, chatTemplateOrNull,
 *     FineTuneData.Options.builder().layout(FineTuneData.Layout.PACKED).validationFraction(0.1).seed(1).build());
 * data.requireOneBatch(batchSize, contextLength);     // a clear error before the model loads
 * System.out.println("train: " + data.trainCounts(contextLength));
 * new Trainer(model, config, data.train(), data.validation());
 * }</pre>
 */
public final class FineTuneData {
  /** How examples fill the rows of a batch. */
  public enum Layout {
    /** Examples back to back in one stream, cut into windows ({@link PackedBatches}). */
    PACKED,
    /** One example a row, padded ({@link PaddedBatches}). */
    PADDED
  }

  /**
   * The choices a user makes about the data.
   *
   * @param layout packed or padded rows
   * @param textSplit how a plain text file is cut into documents (ignored for JSONL)
   * @param validationFraction the share of examples held out when there is no validation file
   * @param validationFile a separate validation file, or null to hold out a fraction
   * @param seed which examples the fraction holds out
   * @param padId the input id under padding (padded layout only)
   */
  public record Options(Layout layout, PlainTextReader.Split textSplit, double validationFraction, Path validationFile,
      long seed, int padId) {
    public static Builder builder() {
      return new Builder();
    }

    /** Named setters; defaults: packed, blank-line documents, 10% validation, seed 1, pad id 0. */
    public static final class Builder {
      private Layout layout = Layout.PACKED;
      private PlainTextReader.Split textSplit = PlainTextReader.Split.BLANK_LINES;
      private double validationFraction = 0.1;
      private Path validationFile;
      private long seed = 1;
      private int padId;

      public Builder layout(Layout layout) {
        this.layout = layout;
        return this;
      }

      public Builder textSplit(PlainTextReader.Split textSplit) {
        this.textSplit = textSplit;
        return this;
      }

      public Builder validationFraction(double fraction) {
        this.validationFraction = fraction;
        return this;
      }

      public Builder validationFile(Path file) {
        this.validationFile = file;
        return this;
      }

      public Builder seed(long seed) {
        this.seed = seed;
        return this;
      }

      public Builder padId(int padId) {
        this.padId = padId;
        return this;
      }

      public Options build() {
        return new Options(layout, textSplit, validationFraction, validationFile, seed, padId);
      }
    }
  }

  private final ExampleBatches train;
  private final ExampleBatches validation;

  private FineTuneData(Options options, String trainName, ValidationSplit split, String validationName) {
    this.train = layOut(options, trainName, split.train());
    this.validation = layOut(options, validationName, split.validation());
  }

  /** Reads, tokenizes, splits and lays out {@code file}; {@code chat} may be null (no chat template). */
  public static FineTuneData load(Path file, Tokenizer tokenizer, ChatRenderer chat, Options options) throws IOException {
    ExampleEncoder encoder = new ExampleEncoder(tokenizer, chat);
    List<TokenizedExample> examples = encoder.encodeAll(readRecords(file, options.textSplit()));
    if (options.validationFile() != null) {
      List<TokenizedExample> held = encoder.encodeAll(readRecords(options.validationFile(), options.textSplit()));
      return new FineTuneData(options, file.toString(), ValidationSplit.separate(examples, held),
          options.validationFile().toString());
    }
    ValidationSplit split = ValidationSplit.byFraction(file.toString(), examples, options.validationFraction(), options.seed());
    return new FineTuneData(options, file.toString(), split, "the validation part of " + file);
  }

  /**
   * The records of {@code file}: JSON Lines when its name ends in {@code .jsonl}, else plain text.
   * A {@code .json} file is refused rather than trained on as text: it is almost surely a JSON
   * array of records that was meant to be read as records.
   */
  public static List<? extends DataRecord> readRecords(Path file, PlainTextReader.Split textSplit) throws IOException {
    String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(Locale.ROOT);
    if (name.endsWith(".json")) {
      throw new DataFileException(file, "a .json file is not read; write one JSON object a line to a .jsonl file "
          + "(JSON Lines), or rename a plain text file to .txt");
    }
    return name.endsWith(".jsonl") ? JsonlReader.read(file) : PlainTextReader.read(file, textSplit);
  }

  private static ExampleBatches layOut(Options options, String name, List<TokenizedExample> examples) {
    return options.layout() == Layout.PACKED ? new PackedBatches(name, examples)
        : new PaddedBatches(name, examples, options.padId());
  }

  public ExampleBatches train() {
    return train;
  }

  public ExampleBatches validation() {
    return validation;
  }

  /** Counts of the training examples (with the padded layout's cuts at this context length). */
  public DataCounts trainCounts(int contextLength) {
    return train.counts(contextLength);
  }

  public DataCounts validationCounts(int contextLength) {
    return validation.counts(contextLength);
  }

  /** Fails, saying how many tokens or examples there are and how many are needed, unless both parts fill a batch. */
  public void requireOneBatch(int batchSize, int contextLength) throws DataFileException {
    for (ExampleBatches part : List.of(train, validation)) {
      String problem = part.tooSmall(batchSize, contextLength);
      if (problem != null) throw new DataFileException(part.name(), problem);
    }
  }
}
