package org.jlora.examples.tokenize;

import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * A split pattern of a {@code tokenizer.json} (written for the Oniguruma engine that Hugging Face's
 * {@code tokenizers} uses) as a Java {@link Pattern} that matches the same text.
 *
 * <p>The constructs the GPT-2, Llama 3, Qwen2 and SmolLM2 patterns use mean the same in both engines
 * once Java is told to be Unicode-aware: {@code \s} must be Unicode white space (Oniguruma's
 * {@code \s} covers U+0085, U+00A0, U+2000..U+200A, U+3000; Java's plain {@code \s} is ASCII only),
 * and {@code (?i:'s|'t)} must fold case the Unicode way. {@code \p{L}}, {@code \p{N}}, lookahead
 * {@code (?!\S)} and supplementary characters (emoji are one code point, two Java chars) behave alike.
 * {@code \h} is refused: hexadecimal digit in Oniguruma, horizontal space in Java.
 */
final class OnigurumaRegex {
  private OnigurumaRegex() {}

  static Pattern compile(String regex, JsonSpec where) throws TokenizerFileException {
    for (int i = 0; i + 1 < regex.length(); i++) {
      if (regex.charAt(i) == '\\') {
        char escaped = regex.charAt(i + 1);
        if (escaped == 'h' || escaped == 'H') {
          throw where.fail("the pattern uses \\" + escaped + ", which means a hexadecimal digit in the"
              + " tokenizers library and something else in Java; write [0-9a-fA-F] instead");
        }
        i++; // skip the escaped character, so "\\\\h" is a backslash then 'h'
      }
    }
    try {
      return Pattern.compile(regex, Pattern.UNICODE_CHARACTER_CLASS | Pattern.UNICODE_CASE);
    } catch (PatternSyntaxException e) {
      throw where.fail("the pattern does not compile: " + e.getDescription() + " near index " + e.getIndex());
    }
  }
}
