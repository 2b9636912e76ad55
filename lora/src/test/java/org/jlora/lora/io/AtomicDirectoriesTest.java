package org.jlora.lora.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicDirectoriesTest {
  private static final Set<String> OWN = Set.of("a.txt", "b.txt");

  @TempDir Path tmp;

  private static void writeBoth(Path dir, String text) throws IOException {
    Files.writeString(dir.resolve("a.txt"), text);
    Files.writeString(dir.resolve("b.txt"), text);
  }

  @Test
  void createsThenReplacesItsOwnDirectory() throws IOException {
    Path out = tmp.resolve("out");
    AtomicDirectories.replace(out, "test directory", OWN, d -> writeBoth(d, "one"));
    assertEquals("one", Files.readString(out.resolve("a.txt")));
    AtomicDirectories.replace(out, "test directory", OWN, d -> writeBoth(d, "two"));
    assertEquals("two", Files.readString(out.resolve("b.txt")));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(1, s.count(), "no temporary or set-aside sibling is left behind");
    }
  }

  @Test
  void refusesADirectoryHoldingAUsersFileAndLeavesItUntouched() throws IOException {
    Path out = tmp.resolve("out");
    Files.createDirectories(out);
    Files.writeString(out.resolve("notes.txt"), "mine");
    Files.writeString(out.resolve("a.txt"), "old");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AtomicDirectories.replace(out, "test directory", OWN, d -> writeBoth(d, "new")));
    assertTrue(e.getMessage().contains("notes.txt") && e.getMessage().contains("choose an empty or new directory"),
        e.getMessage());
    assertEquals("mine", Files.readString(out.resolve("notes.txt")));
    assertEquals("old", Files.readString(out.resolve("a.txt")));
  }

  @Test
  void refusesARegularFile() throws IOException {
    Path out = tmp.resolve("somefile.txt");
    Files.writeString(out, "user data");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AtomicDirectories.replace(out, "test directory", OWN, d -> writeBoth(d, "new")));
    assertTrue(e.getMessage().contains("is a file"), e.getMessage());
    assertEquals("user data", Files.readString(out));
  }

  @Test
  void refusesTheCurrentDirectory() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> AtomicDirectories.replace(Path.of("."), "test directory", OWN, d -> writeBoth(d, "new")));
    assertTrue(e.getMessage().contains("current directory"), e.getMessage());
  }

  @Test
  void aFailingBodyLeavesTheOldDirectoryAndNoTemporary() throws IOException {
    Path out = tmp.resolve("out");
    AtomicDirectories.replace(out, "test directory", OWN, d -> writeBoth(d, "one"));
    assertThrows(IOException.class, () -> AtomicDirectories.replace(out, "test directory", OWN, d -> {
      Files.writeString(d.resolve("a.txt"), "half");
      throw new IOException("disk full");
    }));
    assertEquals("one", Files.readString(out.resolve("a.txt")));
    try (Stream<Path> s = Files.list(tmp)) {
      assertEquals(1, s.count());
    }
  }

  @Test
  void staleTemporariesOfAKilledWriteAreRemovedByTheNextWrite() throws IOException {
    Path stale = Files.createDirectories(tmp.resolve(".out.1234.jlora-tmp"));
    Files.writeString(stale.resolve("a.txt"), "half");
    Path unrelated = Files.createDirectories(tmp.resolve(".other.1234.jlora-tmp"));
    AtomicDirectories.replace(tmp.resolve("out"), "test directory", OWN, d -> writeBoth(d, "one"));
    assertFalse(Files.exists(stale));
    assertTrue(Files.exists(unrelated), "only the target's own temporaries are cleaned");
  }
}
