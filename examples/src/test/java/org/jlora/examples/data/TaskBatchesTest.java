package org.jlora.examples.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.jlora.engine.Rng;
import org.junit.jupiter.api.Test;

class TaskBatchesTest {
  private static final CharTokenizer TOK = Tasks.tokenizer();

  @Test
  void shapesAndTargetsAreInputsShiftedByOne() {
    Batch batch = new TaskBatches(Tasks.family("base"), false).next(new Rng(1), 4, 32);
    assertEquals(4, batch.batchSize());
    assertEquals(32, batch.blockSize());
    assertEquals(4 * 32, batch.inputs().length);
    assertEquals(4 * 32, batch.targets().length);
    for (int b = 0; b < 4; b++) {
      for (int t = 0; t + 1 < 32; t++) assertEquals(batch.input(b, t + 1), batch.target(b, t));
    }
    assertEquals(4 * 32, batch.scoredCount());
  }

  @Test
  void rowsAreWholeExamplesPackedFromTheStart() {
    // Replays the same generator: row b must be the examples the task yields, back to back.
    int batchSize = 3;
    int blockSize = 50;
    Batch batch = new TaskBatches(Tasks.family("rev"), false).next(new Rng(9), batchSize, blockSize);
    Rng replay = new Rng(9);
    for (int b = 0; b < batchSize; b++) {
      StringBuilder row = new StringBuilder();
      while (row.length() < blockSize + 1) row.append(Tasks.family("rev").sample(replay).text());
      int[] expected = TOK.encode(row.substring(0, blockSize + 1));
      for (int t = 0; t < blockSize; t++) {
        assertEquals(expected[t], batch.input(b, t));
        assertEquals(expected[t + 1], batch.target(b, t));
      }
      assertTrue(TOK.decode(batch.inputs(), b * blockSize, b * blockSize + 4).equals("rev:"));
    }
  }

  @Test
  void answerOnlyLossIgnoresExactlyThePromptTargets() {
    int blockSize = 64;
    Batch full = new TaskBatches(Tasks.family("base"), false).next(new Rng(5), 2, blockSize);
    Batch masked = new TaskBatches(Tasks.family("base"), true).next(new Rng(5), 2, blockSize);
    assertArrayEquals(full.inputs(), masked.inputs());
    for (int b = 0; b < 2; b++) {
      // Walk the row's text: a target is a prompt character from a line's start up to its '='.
      String row = TOK.decode(full.inputs(), b * blockSize, (b + 1) * blockSize)
          + TOK.decode(new int[] {full.target(b, blockSize - 1)});
      boolean inPrompt = true;
      for (int i = 0; i < row.length(); i++) {
        char c = row.charAt(i);
        if (i >= 1) {
          int target = masked.target(b, i - 1);
          if (inPrompt) assertEquals(Batch.IGNORE, target, "prompt char '" + c + "' at " + i + " in " + row);
          else assertEquals(full.target(b, i - 1), target, "answer char at " + i + " in " + row);
        }
        if (c == '=') inPrompt = false;
        if (c == '\n') inPrompt = true;
      }
    }
    // the answers are scored, the prompts (4 + word + 1 >= 8 chars each) are not
    assertTrue(masked.scoredCount() > 0 && masked.scoredCount() < full.scoredCount() / 2 + 20);
  }

  @Test
  void theTargetAfterEqualsIsTheAnswersFirstLetterAndIsScored() {
    Batch batch = new TaskBatches(Tasks.family("cpy"), true).next(new Rng(2), 1, 20);
    String row = TOK.decode(batch.inputs());
    int eq = row.indexOf('=');
    assertEquals(row.charAt(4), TOK.decode(new int[] {batch.target(0, eq)}).charAt(0));
    for (int t = 0; t < eq; t++) assertEquals(Batch.IGNORE, batch.target(0, t));
  }

  @Test
  void onePerRowPutsOneExampleAtPositionZeroAndNeverScoresThePadding() {
    int blockSize = Tasks.MAX_LINE_LENGTH + 5;
    for (boolean answerOnly : new boolean[] {false, true}) {
      Batch batch = new TaskBatches(Tasks.family("rev"), TOK, answerOnly, TaskBatches.Layout.ONE_PER_ROW)
          .next(new Rng(6), 8, blockSize);
      Rng replay = new Rng(6);
      for (int b = 0; b < 8; b++) {
        Example example = Tasks.family("rev").sample(replay);
        String line = example.text();
        assertEquals(line, TOK.decode(batch.inputs(), b * blockSize, b * blockSize + line.length()));
        for (int t = 0; t < blockSize; t++) {
          int target = batch.target(b, t);
          if (t + 1 >= line.length()) {
            assertEquals(Batch.IGNORE, target, "padding at " + t + " after " + line);
          } else if (answerOnly && t + 1 < example.prompt().length()) {
            assertEquals(Batch.IGNORE, target, "prompt at " + t + " of " + line);
          } else {
            assertEquals(TOK.id(line.charAt(t + 1)), target, "position " + t + " of " + line);
          }
        }
      }
    }
  }

  @Test
  void onePerRowCutsALineLongerThanTheRow() {
    Batch batch = new TaskBatches(Tasks.family("cpy"), TOK, false, TaskBatches.Layout.ONE_PER_ROW).next(new Rng(8), 4, 6);
    Rng replay = new Rng(8);
    for (int b = 0; b < 4; b++) {
      String line = Tasks.family("cpy").sample(replay).text();
      assertEquals(line.substring(0, 6), TOK.decode(batch.inputs(), b * 6, b * 6 + 6));
      assertEquals(6, countScored(batch, b), "every one of the row's targets is a character of the line");
    }
  }

  private static int countScored(Batch batch, int row) {
    int n = 0;
    for (int t = 0; t < batch.blockSize(); t++) if (batch.target(row, t) != Batch.IGNORE) n++;
    return n;
  }

  @Test
  void sameSeedSameBatch() {
    TaskBatches batches = new TaskBatches(Tasks.family("base"), true);
    Batch a = batches.next(new Rng(3), 2, 16);
    Batch b = batches.next(new Rng(3), 2, 16);
    assertArrayEquals(a.inputs(), b.inputs());
    assertArrayEquals(a.targets(), b.targets());
  }

  @Test
  void heldOutBatchesUseOnlyHeldOutWordsAndAreReproducible() {
    TaskBatches batches = new TaskBatches(Tasks.family("base"), true);
    Batch a = batches.nextHeldOut(new Rng(8), 4, 100);
    Batch b = batches.nextHeldOut(new Rng(8), 4, 100);
    assertArrayEquals(a.inputs(), b.inputs());
    assertArrayEquals(a.targets(), b.targets());
    String text = TOK.decode(a.inputs());
    int lines = 0;
    for (String line : text.split("\n")) {
      int colon = line.indexOf(':');
      int eq = line.indexOf('=');
      if (colon == 3 && eq > colon && line.indexOf(':', colon + 1) < 0) {
        assertTrue(Tasks.isHeldOut(line.substring(colon + 1, eq)), line);
        lines++;
      }
    }
    assertTrue(lines >= 8, "only " + lines + " whole prompts in " + text);
  }

  @Test
  void badSizesAreRejected() {
    TaskBatches batches = new TaskBatches(Tasks.family("base"), true);
    assertThrows(IllegalArgumentException.class, () -> batches.next(new Rng(1), 0, 16));
    assertThrows(IllegalArgumentException.class, () -> batches.next(new Rng(1), 2, 0));
    assertThrows(IllegalArgumentException.class, () -> new Batch(new int[6], new int[6], 2, 4));
  }
}
