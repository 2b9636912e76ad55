package org.jlora.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.jlora.examples.ui.Progress;
import picocli.CommandLine.Option;

/** The output switches every GPT command shares: {@code --quiet} and {@code --json}. */
public final class OutputOptions {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Option(names = "--quiet", description = "print only the results (no progress bar)")
  boolean quiet;

  @Option(names = "--json", description = "print results as JSON lines on stdout (no progress bar)")
  boolean json;

  /** The progress mode these switches ask for. */
  public Progress.Mode mode() {
    return json ? Progress.Mode.JSON : quiet ? Progress.Mode.QUIET : Progress.Mode.BAR;
  }

  public boolean json() {
    return json;
  }

  public boolean quiet() {
    return quiet || json;
  }

  /** One JSON object on one line. */
  public static String line(Map<String, ?> fields) {
    try {
      return JSON.writeValueAsString(fields);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }
}
