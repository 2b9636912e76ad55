package org.jlora.lora;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * README code that runs as a test: the lines a test holds between two markers must be the
 * README's first {@code ```java} block after an HTML comment marker, line for line (indentation
 * aside). Shared by every module's README snippet test (examples reaches it through lora's test-jar).
 */
public final class ReadmeSnippets {
  private ReadmeSnippets() {}

  /** The test's own code between {@code start} and {@code end} comment lines. */
  public static List<String> inTest(Path testSource, String start, String end) throws IOException {
    return between(Files.readAllLines(testSource), start, end);
  }

  /** The first java block after {@code marker} in {@code readme}. */
  public static List<String> inReadme(Path readme, String marker) throws IOException {
    List<String> lines = Files.readAllLines(readme);
    int i = lines.indexOf(marker);
    if (i < 0) throw new AssertionError(readme + " has no line " + marker);
    return between(lines.subList(i, lines.size()), "```java", "```");
  }

  private static List<String> between(List<String> lines, String start, String end) {
    int from = -1;
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).trim().equals(start)) {
        from = i + 1;
      } else if (from >= 0 && lines.get(i).trim().equals(end)) {
        return lines.subList(from, i).stream().map(String::strip).toList();
      }
    }
    throw new AssertionError("no block between " + start + " and " + end);
  }
}
