package org.jlora.examples.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class Utf8LinesTest {
  @TempDir Path dir;

  private static Utf8Lines lines(byte[] bytes, int maxLineBytes) {
    return Utf8Lines.of("mem.txt", new ByteArrayInputStream(bytes), maxLineBytes);
  }

  @Test
  void splitsLinesDropsCarriageReturnsAndTheByteOrderMark() throws IOException {
    byte[] bom = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};
    byte[] text = "héllo\r\n\nwörld €\nlast".getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[bom.length + text.length];
    System.arraycopy(bom, 0, bytes, 0, 3);
    System.arraycopy(text, 0, bytes, 3, text.length);
    Utf8Lines lines = lines(bytes, 100);
    assertEquals("héllo", lines.next());
    assertEquals(1, lines.lineNumber());
    assertEquals("", lines.next());
    assertEquals("wörld €", lines.next());
    assertEquals("last", lines.next());
    assertEquals(4, lines.lineNumber());
    assertNull(lines.next());
    assertNull(lines.next());
  }

  @Test
  void aFinalNewlineDoesNotMakeAnExtraLine() throws IOException {
    Utf8Lines lines = lines("a\nb\n".getBytes(StandardCharsets.UTF_8), 100);
    assertEquals("a", lines.next());
    assertEquals("b", lines.next());
    assertNull(lines.next());
    assertEquals(2, lines.lineNumber());
  }

  @Test
  void malformedUtf8NamesTheLineAndTheByteOffset() throws IOException {
    Path file = dir.resolve("latin1.txt");
    // "ok\n" (3 bytes), then "caf" and a Latin-1 é (0xE9), which is not UTF-8
    byte[] bytes = {'o', 'k', '\n', 'c', 'a', 'f', (byte) 0xE9, '\n'};
    Files.write(file, bytes);
    try (Utf8Lines lines = Utf8Lines.open(file)) {
      assertEquals("ok", lines.next());
      DataFileException e = assertThrows(DataFileException.class, lines::next);
      assertEquals(2, e.line());
      assertTrue(e.getMessage().startsWith(file + " line 2: not valid UTF-8 at byte offset 6 "), e.getMessage());
      assertTrue(e.getMessage().contains("save the file as UTF-8"), e.getMessage());
    }
  }

  @Test
  void aTruncatedMultiByteCharacterAtTheEndIsAnError() {
    byte[] bytes = {'a', '\n', (byte) 0xE2, (byte) 0x82};   // the first two bytes of '€'
    DataFileException e = assertThrows(DataFileException.class, () -> {
      Utf8Lines lines = lines(bytes, 100);
      lines.next();
      lines.next();
    });
    assertTrue(e.getMessage().contains("line 2: not valid UTF-8 at byte offset 2"), e.getMessage());
  }

  @Test
  void aLineOverTheBoundIsRefusedWithItsNumber() throws IOException {
    Utf8Lines lines = lines("short\n0123456789\n".getBytes(StandardCharsets.UTF_8), 8);
    assertEquals("short", lines.next());
    DataFileException e = assertThrows(DataFileException.class, lines::next);
    assertEquals(2, e.line());
    assertTrue(e.getMessage().contains("line 2: the line is longer than 8 bytes"), e.getMessage());
  }

  @Test
  void aLineExactlyAtTheBoundIsAccepted() throws IOException {
    Utf8Lines lines = lines("01234567\n".getBytes(StandardCharsets.UTF_8), 8);
    assertEquals("01234567", lines.next());
  }

  @Test
  void theDefaultBoundIsSixtyFourMebibytes() {
    assertEquals(64 * 1024 * 1024, Utf8Lines.DEFAULT_MAX_LINE_BYTES);
    assertEquals("64 MiB", Utf8Lines.describeBytes(Utf8Lines.DEFAULT_MAX_LINE_BYTES));
  }

  @Test
  void aMissingFileOrADirectoryIsRefused() {
    assertThrows(NoSuchFileException.class, () -> Utf8Lines.open(dir.resolve("nope.txt")));
    DataFileException e = assertThrows(DataFileException.class, () -> Utf8Lines.open(dir));
    assertTrue(e.getMessage().contains("is not a regular file"), e.getMessage());
  }
}
