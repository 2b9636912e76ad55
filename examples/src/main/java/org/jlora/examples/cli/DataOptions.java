package org.jlora.examples.cli;

import java.nio.file.Path;
import org.jlora.examples.dataset.FineTuneData;
import org.jlora.examples.dataset.PlainTextReader;
import picocli.CommandLine.Option;

/** How a data file becomes training rows: layout, document split, validation. */
public final class DataOptions {
  @Option(names = "--layout", defaultValue = "packed",
      description = "packed (examples back to back, cut into windows) or padded (one example a row) (default ${DEFAULT-VALUE})")
  String layout;

  @Option(names = "--split", defaultValue = "blank-lines",
      description = "plain text documents: blank-lines (separated by empty lines) or lines (one a line) (default ${DEFAULT-VALUE})")
  String split;

  @Option(names = "--val-fraction", defaultValue = "0.1",
      description = "share of the examples held out for the validation loss (default ${DEFAULT-VALUE})")
  double valFraction;

  @Option(names = "--val-data", description = "a separate validation file instead of --val-fraction")
  Path valData;

  /** The dataset options for a run seeded with {@code seed}, padding with {@code padId}. */
  FineTuneData.Options options(long seed, int padId) {
    FineTuneData.Layout l = switch (layout) {
      case "packed" -> FineTuneData.Layout.PACKED;
      case "padded" -> FineTuneData.Layout.PADDED;
      default -> throw new IllegalArgumentException("--layout must be packed or padded, got '" + layout + "'");
    };
    PlainTextReader.Split s = switch (split) {
      case "blank-lines" -> PlainTextReader.Split.BLANK_LINES;
      case "lines" -> PlainTextReader.Split.LINES;
      default -> throw new IllegalArgumentException("--split must be blank-lines or lines, got '" + split + "'");
    };
    if (valData == null && !(valFraction > 0 && valFraction < 1)) {
      throw new IllegalArgumentException("--val-fraction must be between 0 and 1 (exclusive), got " + valFraction);
    }
    FineTuneData.Options.Builder b = FineTuneData.Options.builder().layout(l).textSplit(s).seed(seed).padId(padId);
    return valData != null ? b.validationFile(valData).build() : b.validationFraction(valFraction).build();
  }
}
