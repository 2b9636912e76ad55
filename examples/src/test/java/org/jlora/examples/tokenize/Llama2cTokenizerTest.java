package org.jlora.examples.tokenize;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * llama2.c's {@code tok512.bin} (the stories260K tokenizer, beside the project in
 * {@code ../shared/models}): run.c's documented encoding, round trips, and the Hugging Face
 * {@code tokenizer.json} it converts to, which must give the same ids in jlora and in the real
 * {@code tokenizers} library (golden {@code tokenize/llama2c/golden.json}).
 */
class Llama2cTokenizerTest {
  /** Surefire runs in {@code examples/}; the shared models sit beside the repository. */
  static final Path TOK512 = Path.of("..", "..", "shared", "models", "tok512.bin");
  private static final ObjectMapper JSON = new ObjectMapper();
  static final List<String> SAMPLES = List.of(
      "Once upon a time",
      "Once upon a time, there was a little girl named Lily. She loved to play outside in the park.",
      "The Devil's Dictionary: CYNIC, n. A blackguard whose faulty vision sees things as they are.",
      "  two spaces, a tab\tand a newline\nhere",
      "caf\u00e9 \u4e2d\u6587 \uD83D\uDE00 \uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67",
      "1234567890",
      "Tom said: \"I can't!\"   ",
      "x");

  static Llama2cTokenizer tokenizer;

  @BeforeAll
  static void load() throws Exception {
    assumeTrue(Files.isRegularFile(TOK512), "llama2.c tokenizer not found at " + absolute() + "; see ../shared/models/README.md");
    tokenizer = Llama2cTokenizer.load(TOK512);
  }

  private static Path absolute() {
    return TOK512.toAbsolutePath().normalize();
  }

  @Test
  void encodesTheDocumentedStoryOpening() {
    assertArrayEquals(new int[] {403, 407, 261, 378}, tokenizer.encode("Once upon a time", false));
    assertArrayEquals(new int[] {1, 403, 407, 261, 378}, tokenizer.encode("Once upon a time", true));
    assertEquals(512, tokenizer.vocabSize());
    assertEquals(" time", tokenizer.token(378));
  }

  /** run.c's encode loop, transcribed: rescan every pair, merge the best (leftmost on ties), repeat. */
  static int[] runC(Llama2cTokenizer t, String text) {
    java.util.List<Integer> ids = new java.util.ArrayList<>();
    for (int id : t.initialSymbols(text)) ids.add(id);
    while (true) {
      float bestScore = -1e10f;
      int bestId = -1;
      int bestIndex = -1;
      for (int i = 0; i + 1 < ids.size(); i++) {
        int merged = t.mergedId(ids.get(i), ids.get(i + 1));
        if (merged >= 0 && t.score(merged) > bestScore) {
          bestScore = t.score(merged);
          bestId = merged;
          bestIndex = i;
        }
      }
      if (bestIndex < 0) break;
      ids.set(bestIndex, bestId);
      ids.remove(bestIndex + 1);
    }
    return ids.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void theQueueMergesExactlyAsRunCsRescanningLoop() throws Exception {
    java.util.Random random = new java.util.Random(7);
    String alphabet = "  etaoinshrdlucmwfgypbvk.,!'\n\u00e9\u4e2d";
    for (int n = 0; n < 2000; n++) {
      StringBuilder s = new StringBuilder();
      int length = random.nextInt(60);
      for (int i = 0; i < length; i++) s.append(alphabet.charAt(random.nextInt(alphabet.length())));
      assertArrayEquals(runC(tokenizer, s.toString()), tokenizer.encode(s.toString(), false), s.toString());
    }
    Path text = Path.of("..", "..", "shared", "data", "devils-dictionary.txt");
    if (Files.isRegularFile(text)) {
      String chunk = Files.readString(text).substring(10_000, 14_000);
      assertArrayEquals(runC(tokenizer, chunk), tokenizer.encode(chunk, false));
    }
  }

  @Test
  void emptyTextHasNoDummyPrefix() {
    assertArrayEquals(new int[0], tokenizer.encode("", false));
    assertArrayEquals(new int[] {1}, tokenizer.encode("", true));
  }

  @Test
  void missingCharactersFallBackToTheirUtf8Bytes() {
    // U+4E2D is E4 B8 AD in UTF-8; byte pieces are id = byte + 3, after the dummy-prefix space
    int[] ids = tokenizer.encode("\u4e2d", false);
    assertArrayEquals(new int[] {tokenizer.encode(" ", false)[0], 0xE4 + 3, 0xB8 + 3, 0xAD + 3}, ids);
    assertEquals("<0xE4>", tokenizer.token(0xE4 + 3));
  }

  @Test
  void decodeAfterBosDropsTheDummySpaceAndRebuildsBytes() {
    for (String text : SAMPLES) {
      assertEquals(text, tokenizer.decode(tokenizer.encode(text, true), true), text);
      assertEquals(" " + text, tokenizer.decode(tokenizer.encode(text, false), true), text);
    }
  }

  @Test
  void theConvertedTokenizerJsonEncodesTheSame(@TempDir Path dir) throws Exception {
    tokenizer.writeHfTokenizerJson(dir);
    Tokenizer hf = Tokenizers.load(dir);
    assertEquals(tokenizer.vocabSize(), hf.vocabSize());
    assertEquals(1, hf.bosId().orElseThrow());
    assertEquals(2, hf.eosId().orElseThrow());
    for (String text : SAMPLES) {
      assertArrayEquals(tokenizer.encode(text, false), hf.encode(text, false), text);
      assertArrayEquals(tokenizer.encode(text, true), hf.encode(text, true), text);
      assertEquals(text, hf.decode(hf.encode(text, true), true), text);
    }
    String devil = Files.readString(Path.of("..", "..", "shared", "data", "devils-dictionary.txt")).substring(0, 20_000);
    for (String line : devil.split("\n")) assertArrayEquals(tokenizer.encode(line, true), hf.encode(line, true), line);
  }

  /** The committed conversion is this code's conversion, and the real tokenizers library gives run.c's ids for it. */
  @Test
  void theRealTokenizersLibraryAgreesWithTheLlama2cEncoder(@TempDir Path dir) throws Exception {
    tokenizer.writeHfTokenizerJson(dir);
    Path committed = TokenizerGoldenTest.resource("llama2c");
    assertEquals(JSON.readTree(Files.readString(committed.resolve("tokenizer.json"))),
        JSON.readTree(Files.readString(dir.resolve("tokenizer.json"))),
        "the conversion changed: rerun make_tokenizer_goldens.py after writing the new files (see its docstring)");
    JsonNode golden = JSON.readTree(Files.readString(committed.resolve("golden.json")));
    assertTrue(golden.get("cases").size() >= 5);
    for (JsonNode c : golden.get("cases")) {
      String text = c.get("text").textValue();
      assertArrayEquals(TokenizerGoldenTest.ints(c.get("ids")), tokenizer.encode(text, false), text);
      assertArrayEquals(TokenizerGoldenTest.ints(c.get("ids_special")), tokenizer.encode(text, true), text);
    }
  }
}
