package org.jlora.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jlora.engine.Rng;
import org.junit.jupiter.api.Test;

class ExactMatchTest {
  /** A perfect model of "rev": reads the word from the prompt and reverses it. */
  private static final Function<String, String> REVERSER =
      prompt -> new StringBuilder(prompt.substring(4, prompt.length() - 1)).reverse() + "\n";

  @Test
  void perfectCompletionScoresOne() {
    ExactMatch.Result result = ExactMatch.evaluate(Tasks.family("rev"), 200, 1, REVERSER);
    assertEquals(1.0, result.accuracy());
    assertEquals(200, result.total());
    assertEquals(ExactMatch.DEFAULT_SAMPLES, result.samples().size());
    for (ExactMatch.Sample sample : result.samples()) {
      assertTrue(sample.correct());
      assertEquals(sample.expected(), sample.got());
    }
    // without the final newline still counts
    assertEquals(1.0, ExactMatch.accuracy(Tasks.family("rev"), 50, 1, p -> REVERSER.apply(p).strip()));
  }

  @Test
  void brokenCompletionScoresZero() {
    // copy instead of reverse: right exactly on the palindromes (a few short words) and nowhere else
    int[] palindromes = {0};
    Function<String, String> copier = prompt -> {
      String word = prompt.substring(4, prompt.length() - 1);
      if (new StringBuilder(word).reverse().toString().equals(word)) palindromes[0]++;
      return word + "\n";
    };
    ExactMatch.Result result = ExactMatch.evaluate(Tasks.family("rev"), 200, 1, copier);
    assertEquals(palindromes[0], result.correct());
    assertTrue(result.accuracy() < 0.05, "accuracy " + result.accuracy());
    assertEquals(0.0, ExactMatch.accuracy(Tasks.family("rev"), 200, 1, prompt -> ""));
    assertEquals(0.0, ExactMatch.accuracy(Tasks.family("rev"), 200, 1, prompt -> REVERSER.apply(prompt) + "x"));
    ExactMatch.Sample sample = result.samples().stream().filter(s -> !s.correct()).findFirst().orElseThrow();
    assertFalse(sample.expected().equals(sample.got()));
    assertTrue(sample.prompt().startsWith("rev:") && sample.expected().endsWith("\n"));
  }

  @Test
  void halfRightScoresAboutHalf() {
    int[] calls = {0};
    Function<String, String> alternating = prompt -> calls[0]++ % 2 == 0 ? REVERSER.apply(prompt) : "?";
    ExactMatch.Result result = ExactMatch.evaluate(Tasks.family("rev"), 100, 3, alternating, 10);
    assertEquals(50, result.correct());
    assertEquals(0.5, result.accuracy());
    assertEquals(10, result.samples().size());
  }

  @Test
  void usesHeldOutExamplesReproducibly() {
    List<String> first = new ArrayList<>();
    List<String> second = new ArrayList<>();
    ExactMatch.evaluate(Tasks.family("base"), 30, 9, p -> { first.add(p); return ""; });
    ExactMatch.evaluate(Tasks.family("base"), 30, 9, p -> { second.add(p); return ""; });
    assertEquals(first, second);
    for (String prompt : first) assertTrue(Tasks.isHeldOut(prompt.substring(4, prompt.length() - 1)), prompt);
    // a different stream than training with the same seed
    assertFalse(first.get(0).equals(Tasks.family("base").sampleHeldOut(new Rng(9)).prompt()));
  }

  @Test
  void badCountsAreRejected() {
    assertThrows(IllegalArgumentException.class, () -> ExactMatch.evaluate(Tasks.family("rev"), 0, 1, REVERSER));
    assertThrows(IllegalArgumentException.class, () -> ExactMatch.evaluate(Tasks.family("rev"), 5, 1, REVERSER, -1));
  }
}
