package org.jlora.examples.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ValidationSplitTest {
  private static List<TokenizedExample> examples(int n) {
    List<TokenizedExample> examples = new ArrayList<>();
    for (int i = 0; i < n; i++) examples.add(TokenizedExample.allScored(new int[] {i}));
    return examples;
  }

  private static List<Integer> firstIds(List<TokenizedExample> examples) {
    return examples.stream().map(e -> e.ids()[0]).toList();
  }

  @Test
  void holdsOutWholeExamplesDisjointFromTrainingAndCoveringAll() throws DataFileException {
    List<TokenizedExample> all = examples(20);
    ValidationSplit split = ValidationSplit.byFraction("d.jsonl", all, 0.25, 7);
    assertEquals(5, split.validation().size());
    assertEquals(15, split.train().size());
    Set<TokenizedExample> seen = Collections.newSetFromMap(new IdentityHashMap<>());
    seen.addAll(split.train());
    for (TokenizedExample v : split.validation()) assertTrue(seen.add(v), "in both parts: " + v.ids()[0]);
    assertEquals(20, seen.size());
    // both parts keep file order
    List<Integer> train = firstIds(split.train());
    assertEquals(train.stream().sorted().toList(), train);
  }

  @Test
  void theSameSeedHoldsOutTheSameExamplesAndAnotherSeedOthers() throws DataFileException {
    List<TokenizedExample> all = examples(50);
    List<Integer> a = firstIds(ValidationSplit.byFraction("d", all, 0.1, 1).validation());
    List<Integer> again = firstIds(ValidationSplit.byFraction("d", examples(50), 0.1, 1).validation());
    List<Integer> other = firstIds(ValidationSplit.byFraction("d", all, 0.1, 2).validation());
    assertEquals(a, again);
    assertNotEquals(a, other);
    assertNotEquals(List.of(45, 46, 47, 48, 49), a, "a shuffle, not the file's tail");
  }

  @Test
  void atLeastOneExampleIsHeldOut() throws DataFileException {
    assertEquals(1, ValidationSplit.byFraction("d", examples(3), 0.01, 1).validation().size());
  }

  @Test
  void tooFewExamplesIsAnErrorThatSaysWhatToDo() {
    DataFileException e = assertThrows(DataFileException.class, () -> ValidationSplit.byFraction("d.txt", examples(1), 0.1, 1));
    assertEquals("d.txt: has 1 example, too few to hold out 10% for validation and train on the rest; add examples or "
        + "give a separate validation file", e.getMessage());
    assertThrows(DataFileException.class, () -> ValidationSplit.byFraction("d.txt", examples(2), 0.9, 1));
    assertThrows(IllegalArgumentException.class, () -> ValidationSplit.byFraction("d.txt", examples(10), 1.0, 1));
  }
}
