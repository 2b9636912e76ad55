package org.jlora.lora.io;

import java.io.IOException;
import java.nio.file.Path;

/**
 * A safetensors file that breaks the format: the message names the file and, where one is at
 * fault, the header key ({@code "__metadata__"} or a tensor name).
 */
public class SafeTensorsFormatException extends IOException {
  private static final long serialVersionUID = 1L;

  private final transient Path file;
  private final String key;

  public SafeTensorsFormatException(Path file, String key, String problem) {
    this(file, key, problem, null);
  }

  public SafeTensorsFormatException(Path file, String key, String problem, Throwable cause) {
    super(file + (key == null ? "" : ": key '" + key + "'") + ": " + problem, cause);
    this.file = file;
    this.key = key;
  }

  /** The file at fault. */
  public Path file() {
    return file;
  }

  /** The header key at fault, or null when the problem is not tied to one key. */
  public String key() {
    return key;
  }
}
