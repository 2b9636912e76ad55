package org.jlora.examples.fuzz;

import org.jlora.examples.tokenize.Tokenizer;
import org.jlora.lora.fuzz.ParserContract;

/**
 * What a tokenizer that loaded from a fuzzed file must still do: encode a short text (or refuse it
 * with a message) into ids that exist, and decode those ids without breaking.
 */
final class TokenizerChecks {
  /** Spaces, a digit run, accents, an emoji and a newline: every pre-tokenizer and fallback path. */
  static final String SAMPLE = "The 2024 café said: héllo  wörld 🙂\nab";

  private TokenizerChecks() {}

  static void assertUsable(Tokenizer tok) {
    if (tok.vocabSize() <= 0) throw new AssertionError("loaded a tokenizer with " + tok.vocabSize() + " tokens");
    ParserContract.check(() -> {
      int[] ids = tok.encode(SAMPLE, true);
      for (int id : ids) {
        if (id < 0 || id >= tok.vocabSize()) {
          throw new AssertionError("encoded to id " + id + ", outside the vocabulary of " + tok.vocabSize());
        }
        tok.token(id);
      }
      tok.decode(ids, false);
      tok.decode(ids, true);
    });
  }
}
