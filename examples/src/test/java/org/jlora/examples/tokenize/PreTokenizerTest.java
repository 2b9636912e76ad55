package org.jlora.examples.tokenize;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The split patterns read as the tokenizers library's Oniguruma reads them: Unicode white space for
 * {@code \s}, Unicode case folding in {@code (?i:...)}, and no surrogate pair cut in two; and the
 * Split behaviours put the matched text where their names say.
 */
class PreTokenizerTest {
  private static final JsonSpec HERE = new JsonSpec(Path.of("test.json"), "pattern", null);
  private static final String QWEN2 = "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}"
      + "| ?[^\\s\\p{L}\\p{N}]+[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+";

  @Test
  void whiteSpaceIsUnicodeWhiteSpace() throws Exception {
    Pattern space = OnigurumaRegex.compile("\\s", HERE);
    for (char c : new char[] {' ', '\t', '\n', '\u000B', '\u0085', '\u00A0', '\u2003', '\u2028', '\u3000'}) {
      assertTrue(space.matcher(String.valueOf(c)).matches(), "U+" + Integer.toHexString(c));
    }
    assertFalse(space.matcher("\u200B").matches(), "a zero-width space is not white space");
  }

  @Test
  void contractionsFoldCase() throws Exception {
    Pattern p = OnigurumaRegex.compile(QWEN2, HERE);
    List<String> words = PreTokenizer.split(p, PreTokenizer.SplitBehavior.ISOLATED).split("IT'S we'LL", true);
    assertEquals(List.of("IT", "'S", " we", "'LL"), words);
  }

  @Test
  void emojiAndCjkAreNeverCutInsideACharacter() throws Exception {
    String text = "\u4e2d\u6587 \uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67 \uD83C\uDDEB\uD83C\uDDF7 x\uD83D\uDC4D\uD83C\uDFFD";
    for (String pattern : List.of(QWEN2, PreTokenizer.GPT2_PATTERN)) {
      List<String> words = PreTokenizer.split(OnigurumaRegex.compile(pattern, HERE), PreTokenizer.SplitBehavior.ISOLATED).split(text, true);
      assertEquals(text, String.join("", words), "the words cover the text");
      for (String w : words) {
        assertFalse(Character.isLowSurrogate(w.charAt(0)), "starts inside a pair: " + w);
        assertFalse(Character.isHighSurrogate(w.charAt(w.length() - 1)), "ends inside a pair: " + w);
      }
      assertTrue(words.contains("\u4e2d\u6587"), "CJK letters form one word: " + words);
    }
  }

  @Test
  void splitBehavioursPlaceTheMatch() {
    Pattern dash = Pattern.compile("-");
    assertEquals(List.of("a", "-", "b", "-", "-", "c"), PreTokenizer.split(dash, PreTokenizer.SplitBehavior.ISOLATED).split("a-b--c", true));
    assertEquals(List.of("a", "b", "c"), PreTokenizer.split(dash, PreTokenizer.SplitBehavior.REMOVED).split("a-b--c", true));
    assertEquals(List.of("a-", "b-", "-", "c"), PreTokenizer.split(dash, PreTokenizer.SplitBehavior.MERGED_WITH_PREVIOUS).split("a-b--c", true));
    assertEquals(List.of("a", "-b", "-", "-c"), PreTokenizer.split(dash, PreTokenizer.SplitBehavior.MERGED_WITH_NEXT).split("a-b--c", true));
    assertEquals(List.of("a", "-", "b", "--", "c"), PreTokenizer.split(dash, PreTokenizer.SplitBehavior.CONTIGUOUS).split("a-b--c", true));
  }
}
