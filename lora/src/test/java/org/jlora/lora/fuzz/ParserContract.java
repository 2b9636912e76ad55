package org.jlora.lora.fuzz;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * What every parser of a user's file promises, whatever the bytes: it either succeeds or throws
 * one of the exceptions that carry a message for the user (bad input: IllegalArgumentException and
 * its subclasses, including the format exceptions; an I/O failure; a type it knowingly does not
 * support). Any other throwable (NullPointerException, IndexOutOfBounds, NegativeArraySize,
 * OutOfMemoryError, StackOverflowError, ...) escapes the check and fails the fuzz target, and so
 * does a message that is empty, shows a Java class name, or is one of the JDK's context-free
 * messages ("Input length = 1").
 */
public final class ParserContract {
  /**
   * How long each target fuzzes in the build's fuzz pass: long enough to find shallow bugs, short
   * enough that every target together stays well inside the suite's budget.
   */
  public static final String FUZZ_DURATION = "10s";

  /** Messages of JDK exceptions that say nothing a user can act on (a strict UTF-8 decoder's, for one). */
  private static final java.util.regex.Pattern CONTEXT_FREE = java.util.regex.Pattern.compile(
      "Input length = \\d+|null|\\d+");

  private ParserContract() {}

  /** A body that may throw. */
  @FunctionalInterface
  public interface Parse {
    void run() throws Exception;
  }

  /** A parse that returns what it read. */
  @FunctionalInterface
  public interface Parser<T> {
    T run() throws Exception;
  }

  /** Runs {@code parse}; returns normally when it succeeded or refused the input properly. */
  public static void check(Parse parse) {
    parsed(() -> {
      parse.run();
      return Boolean.TRUE;
    });
  }

  /**
   * Runs {@code parse} under the contract: what it read, or null when it refused the input
   * properly. Callers check the result outside, so that a failing check of a successful parse is
   * never mistaken for a refusal.
   */
  public static <T> T parsed(Parser<T> parse) {
    try {
      return parse.run();
    } catch (IllegalArgumentException | IOException | UnsupportedOperationException e) {
      String m = e.getMessage();
      if (m == null || m.isBlank()) throw new AssertionError("refused without a message", e);
      if (m.matches("(?s).*\\b(java|com|org)\\.[a-z]+\\.[A-Za-z.]*[A-Z]\\w*(Exception|Error)\\b.*")) {
        throw new AssertionError("a message shows a Java class name: " + m, e);
      }
      if (CONTEXT_FREE.matcher(m).matches()) {
        throw new AssertionError("the JDK's own message reached the user, naming no file and no problem: " + m, e);
      }
      return null;
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

  /** A fresh temporary directory, for parsers that read a directory (the caller deletes it with {@link #deleteTree}). */
  public static Path scratchDir() throws IOException {
    return Files.createTempDirectory("jlora-fuzz");
  }

  /** Deletes {@code dir} and everything in it (a fuzz run makes thousands: none may be left behind). */
  public static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) return;
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
    }
  }

  /**
   * Splits a fuzz input that stands for two files at its first NUL byte: text formats never hold a
   * raw NUL, so the first file is a JSON text and the second (a binary safetensors) keeps its NULs.
   * Without a NUL, the second file is empty.
   */
  public static byte[][] splitAtNul(byte[] bytes) {
    int nul = 0;
    while (nul < bytes.length && bytes[nul] != 0) nul++;
    byte[] first = java.util.Arrays.copyOfRange(bytes, 0, nul);
    byte[] second = nul < bytes.length ? java.util.Arrays.copyOfRange(bytes, nul + 1, bytes.length) : new byte[0];
    return new byte[][] {first, second};
  }
}
