package org.jlora.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.jlora.engine.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TextDataTest {
  @TempDir Path dir;

  /** 1000 chars: "0123456789" repeated, then a tail only validation contains. */
  private static String digits() {
    return "0123456789".repeat(90) + "abcdefghij".repeat(10);
  }

  @Test
  void splitsNinetyTenAndWindowsComeFromTheirPart() throws IOException {
    Path file = dir.resolve("text.txt");
    Files.writeString(file, digits(), StandardCharsets.UTF_8);
    TextData data = TextData.load(file);
    assertEquals(900, data.trainLength());
    assertEquals(100, data.validationLength());
    assertEquals("0123456789abcdefghij", data.tokenizer().alphabet());
    CharTokenizer tok = data.tokenizer();
    Batch train = data.trainBatch(new Rng(1), 8, 16);
    Batch val = data.valBatch(new Rng(1), 8, 16);
    assertEquals(8 * 16, train.inputs().length);
    for (int b = 0; b < 8; b++) {
      String trainRow = tok.decode(train.inputs(), b * 16, (b + 1) * 16);
      String valRow = tok.decode(val.inputs(), b * 16, (b + 1) * 16);
      assertTrue(trainRow.chars().allMatch(Character::isDigit), trainRow);
      assertTrue(valRow.chars().allMatch(Character::isLetter), valRow);
      assertTrue(digits().contains(trainRow) && digits().contains(valRow));
      for (int t = 0; t + 1 < 16; t++) assertEquals(train.input(b, t + 1), train.target(b, t));
      // the last target continues the text
      String trainWithTarget = trainRow + tok.decode(new int[] {train.target(b, 15)});
      assertTrue(digits().substring(0, 900).contains(trainWithTarget), trainWithTarget);
    }
  }

  @Test
  void validationBatchesAreReproducibleForASeed() {
    TextData data = TextData.of("the quick brown fox jumps over the lazy dog. ".repeat(40));
    Batch a = data.valBatch(new Rng(77), 4, 8);
    Batch b = data.valBatch(new Rng(77), 4, 8);
    assertArrayEquals(a.inputs(), b.inputs());
    assertArrayEquals(a.targets(), b.targets());
    Batch c = data.valBatch(new Rng(78), 4, 8);
    assertFalse(Arrays.equals(a.inputs(), c.inputs()));
  }

  @Test
  void everyWindowStartIsReachable() {
    // 120 distinct chars, so a token pins its position: the training part is the first 108.
    StringBuilder text = new StringBuilder();
    for (int i = 0; i < 120; i++) text.append((char) (0x100 + i));
    TextData data = TextData.of(text.toString());
    assertEquals(108, data.trainLength());
    int first = data.tokenizer().id(text.charAt(0));
    int last = data.tokenizer().id(text.charAt(107));
    Rng rng = new Rng(4);
    boolean sawFirst = false;
    boolean sawLast = false;
    for (int i = 0; i < 200; i++) {
      Batch batch = data.trainBatch(rng, 8, 8);
      for (int b = 0; b < 8; b++) {
        sawFirst |= batch.input(b, 0) == first;
        sawLast |= batch.target(b, 7) == last;
        assertTrue(batch.target(b, 7) <= last, "a training window reached into validation");
      }
    }
    assertTrue(sawFirst && sawLast);
  }

  @Test
  void missingEmptyAndNonUtf8FilesAreNamed() throws IOException {
    Path missing = dir.resolve("missing.txt");
    NoSuchFileException notFound = assertThrows(NoSuchFileException.class, () -> TextData.load(missing));
    assertTrue(notFound.getMessage().contains("missing.txt"));

    Path empty = dir.resolve("empty.txt");
    Files.writeString(empty, "");
    IOException isEmpty = assertThrows(IOException.class, () -> TextData.load(empty));
    assertTrue(isEmpty.getMessage().contains("empty.txt") && isEmpty.getMessage().contains("empty"), isEmpty.getMessage());

    Path latin1 = dir.resolve("latin1.txt");
    Files.write(latin1, new byte[] {'c', 'a', 'f', (byte) 0xE9, '\n'});
    IOException notUtf8 = assertThrows(IOException.class, () -> TextData.load(latin1));
    assertTrue(notUtf8.getMessage().contains("latin1.txt") && notUtf8.getMessage().contains("UTF-8"), notUtf8.getMessage());

    IOException directory = assertThrows(IOException.class, () -> TextData.load(dir));
    assertTrue(directory.getMessage().contains("not a regular file"), directory.getMessage());
  }

  @Test
  void tooLargeFileIsRefusedBeforeReading() throws IOException {
    // A sparse file: its size is past the int limit, but it takes no disk space.
    Path huge = dir.resolve("huge.txt");
    try (var channel = java.nio.channels.FileChannel.open(huge, java.nio.file.StandardOpenOption.CREATE_NEW,
        java.nio.file.StandardOpenOption.WRITE)) {
      channel.write(java.nio.ByteBuffer.wrap(new byte[] {'x'}), TextData.MAX_BYTES);
    }
    IOException e = assertThrows(IOException.class, () -> TextData.load(huge));
    assertTrue(e.getMessage().contains("huge.txt") && e.getMessage().contains("int index"), e.getMessage());
  }

  @Test
  void windowsLongerThanAPartAreRefused() {
    TextData data = TextData.of("x".repeat(100));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> data.valBatch(new Rng(1), 2, 10));
    assertTrue(e.getMessage().contains("validation") && e.getMessage().contains("10 characters"), e.getMessage());
    data.valBatch(new Rng(1), 2, 9); // 10 chars fit a window of 9 + 1
    assertThrows(IllegalArgumentException.class, () -> TextData.of(""));
  }
}
