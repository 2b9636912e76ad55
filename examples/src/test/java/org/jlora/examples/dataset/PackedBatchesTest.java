package org.jlora.examples.dataset;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
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

class PackedBatchesTest {
  private static final int I = Batch.IGNORE;

  /** Stream 1 2 3 4 | 5 6 7, the 5 unscored (a one-token prompt). */
  private static PackedBatches twoExamples() {
    return new PackedBatches("t.txt", List.of(TokenizedExample.allScored(new int[] {1, 2, 3, 4}),
        new TokenizedExample(new int[] {5, 6, 7}, new boolean[] {false, true, true})));
  }

  private static List<String> rows(Batch b) {
    List<String> rows = new ArrayList<>();
    for (int r = 0; r < b.batchSize(); r++) {
      int from = r * b.blockSize();
      rows.add(Arrays.toString(Arrays.copyOfRange(b.inputs(), from, from + b.blockSize())) + "->"
          + Arrays.toString(Arrays.copyOfRange(b.targets(), from, from + b.blockSize())));
    }
    return rows;
  }

  @Test
  void windowsTileTheStreamWithTargetsShiftedAndPromptsIgnored() {
    PackedBatches packed = twoExamples();
    assertEquals(2, packed.windowCount(3));
    Batch b = packed.next(new Rng(1), 2, 3);
    assertEquals(2, b.batchSize());
    assertEquals(3, b.blockSize());
    assertEquals(Set.of("[1, 2, 3]->[2, 3, 4]", "[4, 5, 6]->[" + I + ", 6, 7]"), new HashSet<>(rows(b)));
    assertEquals(5, b.scoredCount());
  }

  @Test
  void aTailThatDoesNotFillAWindowGetsOneEndingAtTheStreamsEnd() {
    PackedBatches packed = twoExamples();
    // 6 predictions, windows of 4: one at 0, and one ending at the last token (starting at 2)
    assertEquals(2, packed.windowCount(4));
    Batch b = packed.next(new Rng(5), 2, 4);
    assertEquals(Set.of("[1, 2, 3, 4]->[2, 3, 4, " + I + "]", "[3, 4, 5, 6]->[4, " + I + ", 6, 7]"), new HashSet<>(rows(b)));
  }

  @Test
  void windowsWithNothingScoredAreNeverPicked() {
    boolean[] promptOnly = new boolean[9];
    PackedBatches packed = new PackedBatches("t.txt", List.of(new TokenizedExample(new int[] {1, 2, 3, 4, 5, 6, 7, 8, 9},
        promptOnly), TokenizedExample.allScored(new int[] {10, 11, 12})));
    // windows of 3 start at 0, 3, 6, 9: only those reaching past token 8 have a scored target
    assertEquals(2, packed.windowCount(3));
    for (long seed = 0; seed < 20; seed++) assertTrue(packed.next(new Rng(seed), 1, 3).scoredCount() > 0);
  }

  @Test
  void everyRowIsAnAlignedSliceOfTheStreamAndRowsOfABatchDiffer() {
    int n = 1000;
    int[] ids = new int[n];
    for (int i = 0; i < n; i++) ids[i] = i;
    PackedBatches packed = new PackedBatches("t.txt", List.of(TokenizedExample.allScored(ids)));
    int context = 16;
    for (long seed = 0; seed < 50; seed++) {
      Batch b = packed.next(new Rng(seed), 8, context);
      Set<Integer> starts = new HashSet<>();
      for (int r = 0; r < 8; r++) {
        int start = b.input(r, 0);
        assertTrue(start % context == 0 || start == n - 1 - context, "window start " + start);
        starts.add(start);
        for (int t = 0; t < context; t++) {
          assertEquals(start + t, b.input(r, t));
          assertEquals(start + t + 1, b.target(r, t));
        }
      }
      assertEquals(8, starts.size(), "distinct windows in one batch");
    }
  }

  @Test
  void aBatchIsAFunctionOfItsRng() {
    int[] ids = new int[500];
    Arrays.setAll(ids, i -> i % 97);
    PackedBatches packed = new PackedBatches("t.txt", List.of(TokenizedExample.allScored(ids)));
    Batch a = packed.next(new Rng(42), 4, 10);
    Batch again = packed.next(new Rng(42), 4, 10);
    Batch other = packed.next(new Rng(43), 4, 10);
    assertArrayEquals(a.inputs(), again.inputs());
    assertArrayEquals(a.targets(), again.targets());
    assertTrue(!Arrays.equals(a.inputs(), other.inputs()));
  }

  @Test
  void tooLittleDataSaysHowManyTokensThereAreAndAreNeeded() {
    PackedBatches packed = twoExamples();
    assertEquals(null, packed.tooSmall(2, 3));
    String problem = packed.tooSmall(3, 3);
    assertTrue(problem.startsWith("has 7 tokens (6 scored), which pack into 2 windows of 4 tokens"), problem);
    assertTrue(problem.contains("one batch of 3 rows needs at least 10 tokens"), problem);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> packed.next(new Rng(1), 3, 3));
    assertEquals("t.txt " + problem, e.getMessage());
    assertTrue(packed.tooSmall(1, 7).startsWith("has 7 tokens (6 scored), which pack into 0 windows of 8 tokens"));
  }

  @Test
  void countsAreTheExamplesTokensAndScoredTokens() {
    DataCounts counts = twoExamples().counts(3);
    assertEquals(new DataCounts(2, 7, 6, 0, 0), counts);
  }
}
