package org.jlora.examples.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.examples.tokenize.Tokenizer;
import org.jlora.examples.tokenize.Tokenizers;
import org.jlora.lora.fuzz.ParserContract;

/**
 * Coverage-guided fuzzing of Hugging Face's {@code tokenizer.json}, loaded as jlora finds it: a
 * model directory holding the fuzzed file ({@code Tokenizers.load}). A tokenizer that loads must
 * be usable ({@link TokenizerChecks}). Seeded with small byte-level and Metaspace BPE tokenizers
 * built from the test tokenizers' settings.
 */
class TokenizerJsonFuzzTest {
  @FuzzTest(maxDuration = ParserContract.FUZZ_DURATION)
  void anyTokenizerJsonLoadsOrIsRefused(byte[] bytes) throws IOException {
    Path dir = ParserContract.scratchDir();
    try {
      Files.write(dir.resolve("tokenizer.json"), bytes);
      Tokenizer tok = ParserContract.parsed(() -> Tokenizers.load(dir));
      if (tok != null) TokenizerChecks.assertUsable(tok);
    } finally {
      ParserContract.deleteTree(dir);
    }
  }
}
