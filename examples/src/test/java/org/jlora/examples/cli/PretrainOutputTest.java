package org.jlora.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11's first list, for {@code jlora pretrain}: an output path that is not jlora's own is
 * refused before training (the user's files untouched), and resuming a finished run says so.
 */
class PretrainOutputTest {
  static String[] pretrain(Path out, String... more) {
    List<String> a = new java.util.ArrayList<>(List.of("pretrain", "--model", "nano", "--steps", "3", "--batch", "4",
        "--context", "16", "--quiet", "--out", out.toString()));
    a.addAll(List.of(more));
    return a.toArray(String[]::new);
  }

  @Test
  void aDirectoryWithTheUsersFilesOrARegularFileIsRefusedAndKept(@TempDir Path dir) throws Exception {
    Path results = Files.createDirectories(dir.resolve("results"));
    Files.writeString(results.resolve("notes.txt"), "mine");
    CliTest.Run r = CliTest.run(pretrain(results));
    assertEquals(1, r.code());
    assertEquals("jlora: " + results + " holds files that are not part of a jlora checkpoint directory (notes.txt); "
        + "jlora replaces only its own output: choose an empty or new directory", r.err().strip());
    assertEquals(List.of("notes.txt"), list(results));

    Path file = Files.writeString(dir.resolve("somefile.txt"), "mine too");
    CliTest.Run f = CliTest.run(pretrain(file));
    assertEquals(1, f.code());
    assertTrue(f.err().contains("somefile.txt is a file, not a checkpoint directory"), f.err());
    assertEquals("mine too", Files.readString(file));
  }

  @Test
  void theCurrentDirectoryIsRefusedWithAMessage(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("notes.txt"), "mine");
    try (ChildJlora child = ChildJlora.start(dir, dir.resolve("err.txt"), List.of(pretrain(Path.of("."))))) {
      assertEquals(1, child.waitFor());
      String err = child.stderr();
      assertTrue(err.contains("jlora: . is the current directory or one above it; name a new checkpoint directory"), err);
      assertFalse(err.contains("Exception"), err);
    }
    assertEquals(List.of("err.txt", "notes.txt"), list(dir));
  }

  @Test
  void anExistingCheckpointNeedsResumeAndAFinishedRunSaysSo(@TempDir Path dir) {
    Path out = dir.resolve("base");
    assertEquals(0, CliTest.run(pretrain(out)).code());
    CliTest.Run again = CliTest.run(pretrain(out));
    assertEquals(1, again.code());
    assertTrue(again.err().contains("already holds a checkpoint; pass --resume " + out), again.err());
    CliTest.Run finished = CliTest.run(pretrain(out, "--resume"));
    assertEquals(0, finished.code(), finished.err());
    assertTrue(finished.out().startsWith(out + ": this run already finished all 3 steps"), finished.out());
    assertFalse(finished.out().contains("NaN"), finished.out());
    CliTest.Run nothing = CliTest.run(pretrain(dir.resolve("none"), "--resume"));
    assertEquals("jlora: nothing to resume: " + dir.resolve("none") + " is not a directory; start a new run without "
        + "--resume", nothing.err().strip());
  }

  /** The names in a directory, sorted. */
  static List<String> list(Path dir) throws java.io.IOException {
    try (var s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
