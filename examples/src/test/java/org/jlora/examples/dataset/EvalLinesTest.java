package org.jlora.examples.dataset;

import static org.jlora.examples.dataset.FakeTokenizer.BOS;
import static org.jlora.examples.dataset.FakeTokenizer.id;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jlora.examples.data.Batch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvalLinesTest {
  @TempDir Path dir;

  @Test
  void eachLineIsOneRowWithBosCutToTheContextAndFullyScored() throws IOException {
    Path file = dir.resolve("eval.txt");
    Files.writeString(file, "ab\n\nc\nabcdef\n");
    EvalLines eval = EvalLines.read(file, new FakeTokenizer(), 4);
    List<Batch> rows = eval.rows();
    assertEquals(3, rows.size());
    assertArrayEquals(new int[] {BOS, id('a')}, rows.get(0).inputs());
    assertArrayEquals(new int[] {id('a'), id('b')}, rows.get(0).targets());
    assertArrayEquals(new int[] {BOS}, rows.get(1).inputs());
    assertArrayEquals(new int[] {id('c')}, rows.get(1).targets());
    // BOS a b c d e f: 7 tokens cut to the context of 4, so 3 predictions
    assertArrayEquals(new int[] {BOS, id('a'), id('b')}, rows.get(2).inputs());
    assertArrayEquals(new int[] {id('a'), id('b'), id('c')}, rows.get(2).targets());
    assertEquals(1, rows.get(2).batchSize());
    assertEquals(2 + 1 + 3, eval.predictedTokens());
    assertEquals(1, eval.truncatedLines());
    assertEquals(0, eval.skippedLines());
    for (Batch row : rows) assertEquals(row.blockSize(), row.scoredCount());
  }

  @Test
  void theMeanWeighsEachRowByItsPredictions() throws IOException {
    Path file = dir.resolve("eval.txt");
    Files.writeString(file, "ab\nc\nabcdef\n");
    EvalLines eval = EvalLines.read(file, new FakeTokenizer(), 4);
    // rows of 2, 1 and 3 predictions with mean losses 1, 4 and 2: (2·1 + 1·4 + 3·2) / 6 = 2
    double mean = eval.meanLoss(row -> switch (row.blockSize()) {
      case 2 -> 1.0;
      case 1 -> 4.0;
      case 3 -> 2.0;
      default -> throw new AssertionError(row.blockSize());
    });
    assertEquals(2.0, mean, 1e-12);
  }

  @Test
  void aLineOfOneTokenIsSkippedAndALinelessFileRefused() throws IOException {
    Path file = dir.resolve("eval.txt");
    Files.writeString(file, "x\nyz\n");
    EvalLines eval = EvalLines.read(file, new FakeTokenizer(false, true), 8);
    assertEquals(1, eval.rows().size());
    assertEquals(1, eval.skippedLines());
    Files.writeString(file, "x\n\n");
    DataFileException e = assertThrows(DataFileException.class, () -> EvalLines.read(file, new FakeTokenizer(false, true), 8));
    assertEquals(file + ": has no line with two or more tokens, so there is nothing to score", e.getMessage());
  }
}
