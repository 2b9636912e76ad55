package org.jlora.examples.tokenize;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A tokenizer file that jlora cannot read, or reads but must refuse. The message is one line that
 * names the file, the JSON key when there is one, and what to do; it never names a Java class, since
 * the person reading it is fixing a file, not this code.
 */
public final class TokenizerFileException extends IOException {
  private final Path file;

  public TokenizerFileException(Path file, String message) {
    super(file + ": " + message);
    this.file = file;
  }

  public TokenizerFileException(Path file, String message, Throwable cause) {
    super(file + ": " + message, cause);
    this.file = file;
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }
}
