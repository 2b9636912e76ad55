package org.jlora.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class CharTokenizerTest {
  @TempDir Path dir;

  @Test
  void fromTextSortsTheDistinctCharacters() {
    CharTokenizer tok = CharTokenizer.fromText("hello world\n");
    assertEquals("\n dehlorw", tok.alphabet());
    assertEquals(9, tok.vocabSize());
    assertEquals(0, tok.id('\n'));
    assertEquals(5, tok.id('l'));
  }

  @Test
  void encodeThenDecodeGivesTheTextBack() {
    String text = "Ünïcödé, tabs\tand an emoji \uD83D\uDE00 (two chars)\n";
    CharTokenizer tok = CharTokenizer.fromText(text);
    int[] ids = tok.encode(text);
    assertEquals(text.length(), ids.length);
    assertEquals(text, tok.decode(ids));
    assertEquals(text.substring(3, 10), tok.decode(ids, 3, 10));
  }

  @Test
  void ofKeepsTheGivenOrder() {
    CharTokenizer tok = CharTokenizer.of("cab");
    assertArrayEquals(new int[] {1, 2, 0, 0}, tok.encode("abcc"));
    assertEquals("bca", tok.decode(new int[] {2, 0, 1}));
  }

  @Test
  void unknownCharacterIsNamedWithItsPosition() {
    CharTokenizer tok = CharTokenizer.of("abc");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.encode("abxc"));
    assertTrue(e.getMessage().contains("'x'"), e.getMessage());
    assertTrue(e.getMessage().contains("position 2"), e.getMessage());
    IllegalArgumentException beyondTable = assertThrows(IllegalArgumentException.class, () -> tok.encode("a\u4E2D"));
    assertTrue(beyondTable.getMessage().contains("position 1"), beyondTable.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tok.id('\n'));
    assertFalse(tok.contains('d'));
    assertTrue(tok.contains('c'));
  }

  @Test
  void badIdsAndRangesAreRejected() {
    CharTokenizer tok = CharTokenizer.of("abc");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {0, 3}));
    assertTrue(e.getMessage().contains("id 3 at position 1"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> tok.decode(new int[] {-1}));
    assertThrows(IndexOutOfBoundsException.class, () -> tok.decode(new int[] {0, 1}, 1, 3));
    assertThrows(IndexOutOfBoundsException.class, () -> tok.decode(new int[] {0, 1}, 2, 1));
  }

  @Test
  void duplicateOrEmptyAlphabetIsRejected() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> CharTokenizer.of("abca"));
    assertTrue(e.getMessage().contains("'a'") && e.getMessage().contains("0 and 3"), e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> CharTokenizer.of(""));
    assertThrows(IllegalArgumentException.class, () -> CharTokenizer.fromText(""));
  }

  @Test
  void saveThenLoadGivesTheSameTokenizer() throws IOException {
    CharTokenizer tok = CharTokenizer.of("z\n\"\\ä=:a");
    Path file = dir.resolve("tokenizer.json");
    tok.save(file);
    CharTokenizer back = CharTokenizer.load(file);
    assertEquals(tok.alphabet(), back.alphabet());
    assertEquals(tok, back);
    // saving again replaces the file (atomically) and leaves no temporary file behind
    CharTokenizer.of("xy").save(file);
    assertEquals("xy", CharTokenizer.load(file).alphabet());
    try (var files = Files.list(dir)) {
      assertEquals(1, files.count());
    }
  }

  @Test
  void loadingANonUtf8FileSaysSo() throws IOException {
    Path file = dir.resolve("latin1.json");
    Files.write(file, new byte[] {'{', '"', (byte) 0xE9, '"', ':', '1', '}'});
    IOException e = assertThrows(IOException.class, () -> CharTokenizer.load(file));
    assertTrue(e.getMessage().contains("latin1.json") && e.getMessage().contains("UTF-8"), e.getMessage());
  }

  @Test
  void loadingAMissingFileSaysSo() {
    Path missing = dir.resolve("nope.json");
    NoSuchFileException e = assertThrows(NoSuchFileException.class, () -> CharTokenizer.load(missing));
    assertTrue(e.getMessage().contains("nope.json"), e.getMessage());
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "",
      "not json",
      "[1, 2]",
      "{\"format\": \"jlora-char-tokenizer\", \"version\": 1}",
      "{\"format\": \"jlora-char-tokenizer\", \"version\": 1, \"alphabet\": 42}",
      "{\"format\": \"jlora-char-tokenizer\", \"version\": 1, \"alphabet\": \"\"}",
      "{\"format\": \"jlora-char-tokenizer\", \"version\": 1, \"alphabet\": \"abca\"}",
      "{\"format\": \"jlora-char-tokenizer\", \"version\": 2, \"alphabet\": \"abc\"}",
      "{\"format\": \"gpt2-bpe\", \"version\": 1, \"alphabet\": \"abc\"}",
      "{\"format\": \"jlora-char-tokenizer\", \"version\": 1, \"alphabet\": \"abc\"",
  })
  void malformedFilesGiveAClearError(String content) throws IOException {
    Path file = dir.resolve("bad.json");
    Files.writeString(file, content);
    IOException e = assertThrows(IOException.class, () -> CharTokenizer.load(file));
    assertTrue(e.getMessage().contains("CharTokenizer.load") && e.getMessage().contains("bad.json"), e.getMessage());
  }
}
