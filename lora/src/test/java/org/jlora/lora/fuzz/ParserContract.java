package org.jlora.lora.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What every parser of a user's file promises, whatever the bytes: it either succeeds or throws
 * one of the exceptions that carry a message for the user (bad input: IllegalArgumentException and
 * its subclasses, including the format exceptions; an I/O failure; a type it knowingly does not
 * support). Any other throwable (NullPointerException, IndexOutOfBounds, NegativeArraySize,
 * OutOfMemoryError, StackOverflowError, ...) escapes the check and fails the fuzz target, and so
 * does a message that is empty or shows a Java class name.
 */
public final class ParserContract {
  /**
   * How long each target fuzzes in the build's fuzz pass: long enough to find shallow bugs, short
   * enough that every target together stays well inside the suite's budget.
   */
  public static final String FUZZ_DURATION = "10s";

  private ParserContract() {}

  /** A body that may throw. */
  @FunctionalInterface
  public interface Parse {
    void run() throws Exception;
  }

  /** Runs {@code parse}; returns normally when it succeeded or refused the input properly. */
  public static void check(Parse parse) {
    try {
      parse.run();
    } catch (IllegalArgumentException | IOException | UnsupportedOperationException e) {
      String m = e.getMessage();
      if (m == null || m.isBlank()) throw new AssertionError("refused without a message", e);
      if (m.matches("(?s).*\\b(java|com|org)\\.[a-z]+\\.[A-Za-z.]*[A-Z]\\w*(Exception|Error)\\b.*")) {
        throw new AssertionError("a message shows a Java class name: " + m, e);
      }
    } catch (RuntimeException e) {
      throw new AssertionError("the parser broke instead of refusing the input: " + e, e);
    } catch (Exception e) {
      throw new AssertionError("unexpected checked exception: " + e, e);
    }
  }

  /** {@code bytes} in a fresh temporary file (the caller deletes it). */
  public static Path scratchFile(String suffix, byte[] bytes) throws IOException {
    Path f = Files.createTempFile("jlora-fuzz", suffix);
    Files.write(f, bytes);
    return f;
  }
}
