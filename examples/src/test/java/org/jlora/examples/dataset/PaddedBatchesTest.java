package org.jlora.examples.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.jlora.engine.Rng;
import org.jlora.examples.data.Batch;
import org.junit.jupiter.api.Test;

class PaddedBatchesTest {
  private static final int I = Batch.IGNORE;
  private static final int PAD = 99;

  /** A: 1 2 3 all scored; B: prompt 4 5 6, completion 7 8 9; C: 10 11 with nothing scored. */
  private static PaddedBatches threeExamples() {
    return new PaddedBatches("p.jsonl", List.of(TokenizedExample.allScored(new int[] {1, 2, 3}),
        new TokenizedExample(new int[] {4, 5, 6, 7, 8, 9}, new boolean[] {false, false, false, true, true, true}),
        new TokenizedExample(new int[] {10, 11}, new boolean[] {false, false})), PAD);
  }

  private static Set<String> rows(Batch b) {
    List<String> rows = new ArrayList<>();
    for (int r = 0; r < b.batchSize(); r++) {
      int from = r * b.blockSize();
      rows.add(Arrays.toString(Arrays.copyOfRange(b.inputs(), from, from + b.blockSize())) + "->"
          + Arrays.toString(Arrays.copyOfRange(b.targets(), from, from + b.blockSize())));
    }
    return new HashSet<>(rows);
  }

  @Test
  void oneExampleARowPaddedWithIgnoredTargetsAndCutToTheContext() {
    PaddedBatches padded = threeExamples();
    Batch b = padded.next(new Rng(3), 2, 4);
    assertEquals(2, b.batchSize());
    assertEquals(4, b.blockSize());
    // A fits with padding; B (6 tokens) is cut to 5; C has nothing scored and is never picked
    assertEquals(Set.of("[1, 2, 3, " + PAD + "]->[2, 3, " + I + ", " + I + "]",
        "[4, 5, 6, 7]->[" + I + ", " + I + ", 7, 8]"), rows(b));
  }

  @Test
  void countsSayHowManyExamplesAreCutOrLeftOut() {
    PaddedBatches padded = threeExamples();
    assertEquals(new DataCounts(3, 11, 6, 1, 1), padded.counts(4));
    // with rows of 3 tokens B keeps only its prompt: left out too
    assertEquals(new DataCounts(3, 11, 6, 1, 2), padded.counts(2));
    assertEquals(new DataCounts(3, 11, 6, 0, 1), padded.counts(5));
  }

  @Test
  void tooFewUsableExamplesSaysHowManyAreNeeded() {
    PaddedBatches padded = threeExamples();
    assertNull(padded.tooSmall(2, 4));
    String problem = padded.tooSmall(2, 2);
    assertEquals("has 1 example with a scored token in the first 3 (11 tokens in all); one padded batch of 2 rows "
        + "needs 2 examples (use a smaller batch size, or packing, or more data)", problem);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> padded.next(new Rng(1), 2, 2));
    assertEquals("p.jsonl " + problem, e.getMessage());
  }

  @Test
  void aBatchIsAFunctionOfItsRngAndHoldsDistinctExamples() {
    List<TokenizedExample> examples = new ArrayList<>();
    for (int i = 0; i < 30; i++) examples.add(TokenizedExample.allScored(new int[] {i, i + 100, i + 200}));
    PaddedBatches padded = new PaddedBatches("p.txt", examples, 0);
    for (long seed = 0; seed < 20; seed++) {
      Batch a = padded.next(new Rng(seed), 8, 5);
      Batch again = padded.next(new Rng(seed), 8, 5);
      assertArrayEquals(a.inputs(), again.inputs());
      assertArrayEquals(a.targets(), again.targets());
      Set<Integer> firsts = new HashSet<>();
      for (int r = 0; r < 8; r++) firsts.add(a.input(r, 0));
      assertEquals(8, firsts.size());
    }
    assertTrue(!Arrays.equals(padded.next(new Rng(1), 8, 5).inputs(), padded.next(new Rng(2), 8, 5).inputs()));
  }

  @Test
  void aNegativePadIdIsRefused() {
    assertThrows(IllegalArgumentException.class, () -> new PaddedBatches("p", List.of(), -1));
  }
}
