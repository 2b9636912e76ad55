package org.jlora.examples.dataset;

import java.io.IOException;
import java.nio.file.Path;

/**
 * Something wrong with a user's data file, said in one line a user can act on: which file, which
 * line (when one is to blame), what is wrong, and what to do. The command line prints the
 * message as it is, so it never names a Java class.
 */
public final class DataFileException extends IOException {
  private final String file;
  private final int line;

  /** A problem on one line (1-based) of {@code file}. */
  public DataFileException(String file, int line, String problem) {
    super(file + " line " + line + ": " + problem);
    this.file = file;
    this.line = line;
  }

  /** A problem with {@code file} as a whole (empty, too small, ...). */
  public DataFileException(String file, String problem) {
    super(file + ": " + problem);
    this.file = file;
    this.line = 0;
  }

  public DataFileException(Path file, int line, String problem) {
    this(file.toString(), line, problem);
  }

  public DataFileException(Path file, String problem) {
    this(file.toString(), problem);
  }

  /** The file the message is about. */
  public String file() {
    return file;
  }

  /** The 1-based line to blame, or 0 when the problem is the whole file. */
  public int line() {
    return line;
  }
}
