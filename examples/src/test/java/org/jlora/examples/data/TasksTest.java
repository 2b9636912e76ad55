package org.jlora.examples.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jlora.engine.Rng;
import org.junit.jupiter.api.Test;

class TasksTest {
  private static final Pattern LINE = Pattern.compile("([a-z]{3}):([a-z]{3,8})=([a-z]{3,8})\n");

  /** The right answer, computed here independently of Tasks. */
  private static String expected(String task, String word) {
    return switch (task) {
      case "cpy" -> word;
      case "rev" -> new StringBuilder(word).reverse().toString();
      case "rol" -> word.substring(1) + word.charAt(0);
      case "swp" -> {
        StringBuilder swapped = new StringBuilder();
        for (int i = 0; i < word.length(); i += 2) {
          if (i + 1 < word.length()) swapped.append(word.charAt(i + 1));
          swapped.append(word.charAt(i));
        }
        yield swapped.toString();
      }
      case "rot" -> {
        StringBuilder shifted = new StringBuilder();
        for (char c : word.toCharArray()) shifted.append(c == 'z' ? 'a' : (char) (c + 1));
        yield shifted.toString();
      }
      case "srt" -> {
        char[] letters = word.toCharArray();
        Arrays.sort(letters);
        yield new String(letters);
      }
      default -> throw new AssertionError(task);
    };
  }

  @Test
  void everyTaskWritesTheLineFormatWithTheRightAnswer() {
    for (String name : List.of("cpy", "rev", "rol", "swp", "rot", "srt")) {
      Task task = Tasks.family(name);
      Rng rng = new Rng(7);
      for (int i = 0; i < 500; i++) {
        Example example = i % 2 == 0 ? task.sample(rng) : task.sampleHeldOut(rng);
        assertTrue(example.prompt().endsWith("="), example.prompt());
        assertTrue(example.answer().endsWith("\n") && example.answer().indexOf('\n') == example.answer().length() - 1);
        Matcher m = LINE.matcher(example.text());
        assertTrue(m.matches(), example.text());
        assertEquals(name, m.group(1));
        assertEquals(expected(name, m.group(2)), m.group(3), example.text());
        assertTrue(example.text().length() <= Tasks.MAX_LINE_LENGTH);
        // every character is in the shared alphabet
        Tasks.tokenizer().encode(example.text());
      }
    }
  }

  @Test
  void rotWrapsZAroundToA() {
    Rng rng = new Rng(1);
    boolean sawZ = false;
    for (int i = 0; i < 2000 && !sawZ; i++) {
      Example example = Tasks.family("rot").sample(rng);
      int z = example.prompt().indexOf('z', 4);
      if (z >= 0) {
        sawZ = true;
        assertEquals('a', example.answer().charAt(z - 4), example.text());
      }
    }
    assertTrue(sawZ);
  }

  @Test
  void wordLengthsCoverTheWholeRange() {
    Set<Integer> lengths = new HashSet<>();
    Rng rng = new Rng(3);
    for (int i = 0; i < 1000; i++) lengths.add(Tasks.family("cpy").sample(rng).answer().length() - 1);
    assertEquals(Set.of(3, 4, 5, 6, 7, 8), lengths);
  }

  @Test
  void sameSeedSameExamples() {
    for (String name : Tasks.names()) {
      Rng a = new Rng(42);
      Rng b = new Rng(42);
      for (int i = 0; i < 50; i++) assertEquals(Tasks.family(name).sample(a), Tasks.family(name).sample(b));
    }
    assertFalse(Tasks.family("rev").sample(new Rng(1)).equals(Tasks.family("rev").sample(new Rng(2))));
  }

  @Test
  void familiesMixTheirTasks() {
    Map<String, Integer> counts = new HashMap<>();
    Rng rng = new Rng(5);
    for (int i = 0; i < 1000; i++) counts.merge(Tasks.family("base").sample(rng).prompt().substring(0, 3), 1, Integer::sum);
    assertEquals(Set.of("cpy", "rev"), counts.keySet());
    assertTrue(counts.get("cpy") > 400 && counts.get("rev") > 400, counts.toString());
    Rng other = new Rng(5);
    for (int i = 0; i < 100; i++) assertTrue(Tasks.family("adapt").sample(other).prompt().startsWith("rol:"));
  }

  @Test
  void rotateLeftAndSwapPairsOnKnownWords() {
    assertEquals("bcda", Tasks.rotateLeft("abcd"));
    assertEquals("baa", Tasks.rotateLeft("aba"));
    assertEquals("badc", Tasks.swapPairs("abcd"));
    assertEquals("badce", Tasks.swapPairs("abcde"));
  }

  @Test
  void aMixtureDrawsFromEveryPartAndNeedsOne() {
    Task mix = Tasks.mixture("mine", List.of(Tasks.family("cpy"), Tasks.family("rol")));
    assertEquals("mine", mix.name());
    Set<String> seen = new HashSet<>();
    Rng rng = new Rng(4);
    for (int i = 0; i < 200; i++) seen.add(mix.sample(rng).prompt().substring(0, 3));
    assertEquals(Set.of("cpy", "rol"), seen);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tasks.mixture("none", List.of()));
    assertTrue(e.getMessage().contains("none"), e.getMessage());
  }


  @Test
  void heldOutWordsNeverAppearInTraining() {
    Rng rng = new Rng(11);
    int heldOut = 0;
    for (int i = 0; i < 2000; i++) {
      String trainWord = word(Tasks.family("base").sample(rng));
      assertFalse(Tasks.isHeldOut(trainWord), trainWord);
      String evalWord = word(Tasks.family("base").sampleHeldOut(rng));
      assertTrue(Tasks.isHeldOut(evalWord), evalWord);
    }
    // about one word in ten is held out
    Rng words = new Rng(12);
    for (int i = 0; i < 10_000; i++) {
      char[] letters = new char[5];
      for (int j = 0; j < 5; j++) letters[j] = (char) ('a' + words.nextInt(26));
      if (Tasks.isHeldOut(new String(letters))) heldOut++;
    }
    assertTrue(heldOut > 850 && heldOut < 1150, "held out " + heldOut + " of 10000");
  }

  @Test
  void alphabetIsSortedAndTheTokenizerMatchesIt() {
    assertEquals(Tasks.ALPHABET, CharTokenizer.fromText(Tasks.ALPHABET).alphabet());
    assertEquals(Tasks.ALPHABET.length(), Tasks.tokenizer().vocabSize());
  }

  @Test
  void namesAndUnknownNames() {
    assertEquals(List.of("base", "adapt", "cpy", "rev", "rol", "swp", "rot", "srt"), Tasks.names());
    for (String name : Tasks.names()) assertEquals(name, Tasks.family(name).name());
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Tasks.family("nope"));
    assertTrue(e.getMessage().contains("nope") && e.getMessage().contains("rev"), e.getMessage());
  }

  private static String word(Example example) {
    return example.prompt().substring(4, example.prompt().length() - 1);
  }
}
