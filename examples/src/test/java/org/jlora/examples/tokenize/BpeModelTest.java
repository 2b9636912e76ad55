package org.jlora.examples.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The priority-queue BPE against the textbook algorithm (find the lowest-ranked adjacent pair, merge
 * every occurrence left to right, repeat): the same ids for random words and for very long ones,
 * where the queue's stale-entry handling matters most.
 */
class BpeModelTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  static Map<String, Integer> vocab;
  static List<String[]> merges;
  static BpeModel model;

  @BeforeAll
  static void load() throws Exception {
    JsonNode m = JSON.readTree(Files.readString(TokenizerGoldenTest.resource("llama/tokenizer.json"))).get("model");
    vocab = new LinkedHashMap<>();
    m.get("vocab").fields().forEachRemaining(e -> vocab.put(e.getKey(), e.getValue().intValue()));
    merges = new ArrayList<>();
    for (JsonNode pair : m.get("merges")) merges.add(new String[] {pair.get(0).textValue(), pair.get(1).textValue()});
    model = new BpeModel(vocab, merges, "<unk>", true, true, false);
  }

  /** GPT-2's original bpe(): rescan for the best pair, merge all its occurrences, until none is left. */
  static int[] reference(String word) {
    Map<String, Integer> rank = new HashMap<>();
    for (int r = 0; r < merges.size(); r++) rank.putIfAbsent(merges.get(r)[0] + " " + merges.get(r)[1], r);
    List<String> symbols = new ArrayList<>();
    word.codePoints().forEach(cp -> symbols.add(Character.toString(cp)));
    while (symbols.size() > 1) {
      int best = Integer.MAX_VALUE;
      String bestPair = null;
      for (int i = 0; i + 1 < symbols.size(); i++) {
        Integer r = rank.get(symbols.get(i) + " " + symbols.get(i + 1));
        if (r != null && r < best) {
          best = r;
          bestPair = symbols.get(i) + " " + symbols.get(i + 1);
        }
      }
      if (bestPair == null) break;
      List<String> merged = new ArrayList<>();
      for (int i = 0; i < symbols.size(); i++) {
        if (i + 1 < symbols.size() && (symbols.get(i) + " " + symbols.get(i + 1)).equals(bestPair)) {
          merged.add(symbols.get(i) + symbols.get(i + 1));
          i++;
        } else {
          merged.add(symbols.get(i));
        }
      }
      symbols.clear();
      symbols.addAll(merged);
    }
    return symbols.stream().mapToInt(vocab::get).toArray();
  }

  @Test
  void randomWordsMergeAsTheTextbookAlgorithm() {
    String alphabet = "\u2581\u2581\u2581etaoinshrdlucmwfgypbvk.,'";
    Random random = new Random(42);
    for (int n = 0; n < 3000; n++) {
      StringBuilder word = new StringBuilder();
      int length = 1 + random.nextInt(40);
      for (int i = 0; i < length; i++) word.append(alphabet.charAt(random.nextInt(alphabet.length())));
      assertArrayEquals(reference(word.toString()), model.encodeWord(word.toString()), word.toString());
    }
  }

  @Test
  void longWordsMergeAsTheTextbookAlgorithm() throws Exception {
    Path text = Path.of("..", "..", "shared", "data", "devils-dictionary.txt");
    String source = Files.isRegularFile(text) ? Files.readString(text).substring(0, 12_000)
        : "The Devil's Dictionary was begun in a weekly paper in 1881, and was continued ".repeat(150);
    StringBuilder word = new StringBuilder("\u2581");
    source.codePoints().filter(cp -> vocab.containsKey(Character.toString(cp)) || cp == ' ')
        .forEach(cp -> word.append(cp == ' ' ? "\u2581" : Character.toString(cp)));
    assertArrayEquals(reference(word.toString()), model.encodeWord(word.toString()));
    String same = "e".repeat(5001);
    assertArrayEquals(reference(same), model.encodeWord(same));
    assertArrayEquals(model.encodeWord(same), model.encodeWord(same), "the cache returns what was computed");
  }

  @Test
  void missingCharactersFallBackToBytesOrOneFusedUnknown() {
    int[] ids = model.encodeWord("\u4e2d");
    assertArrayEquals(new int[] {vocab.get("<0xE4>"), vocab.get("<0xB8>"), vocab.get("<0xAD>")}, ids);
    Map<String, Integer> noBytes = new LinkedHashMap<>(vocab);
    noBytes.keySet().removeIf(t -> t.startsWith("<0x"));
    BpeModel fused = new BpeModel(noBytes, merges, "<unk>", true, true, false);
    assertArrayEquals(new int[] {vocab.get("<unk>")}, fused.encodeWord("\u4e2d\u6587"));
    BpeModel unfused = new BpeModel(noBytes, merges, "<unk>", true, false, false);
    assertArrayEquals(new int[] {vocab.get("<unk>"), vocab.get("<unk>")}, unfused.encodeWord("\u4e2d\u6587"));
  }

  @Test
  void theByteLevelAlphabetIsAPrintableBijection() {
    Set<Character> seen = new HashSet<>();
    for (int b = 0; b < 256; b++) {
      char c = ByteLevelAlphabet.charOf(b);
      assertFalse(Character.isWhitespace(c) || Character.isISOControl(c) || Character.isSpaceChar(c), "byte " + b);
      assertTrue(seen.add(c), "byte " + b + " shares its character");
      ByteArrayOutputStream back = new ByteArrayOutputStream();
      ByteLevelAlphabet.appendBytes(String.valueOf(c), back);
      assertArrayEquals(new byte[] {(byte) b}, back.toByteArray(), "byte " + b);
    }
    assertEquals("\u0120", ByteLevelAlphabet.encode(" "), "a space is GPT-2's \u0120");
    String text = "caf\u00e9 \uD83D\uDE00\n";
    ByteArrayOutputStream back = new ByteArrayOutputStream();
    ByteLevelAlphabet.appendBytes(ByteLevelAlphabet.encode(text), back);
    assertEquals(text, back.toString(StandardCharsets.UTF_8));
  }
}
