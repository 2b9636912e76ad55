package org.jlora.examples.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.examples.tokenize.Tokenizer;
import org.jlora.examples.tokenize.Tokenizers;
import org.jlora.lora.fuzz.ParserContract;

/**
 * Coverage-guided fuzzing of llama2.c's {@code tokenizer.bin}, loaded as jlora finds it
 * ({@code Tokenizers.load} on the file). A tokenizer that loads must be usable
 * ({@link TokenizerChecks}). Seeded with a 266-token file: unk, BOS, EOS, the 256 byte pieces and
 * a few scored merges.
 */
class Llama2cTokenizerFuzzTest {
  @FuzzTest(maxDuration = ParserContract.FUZZ_DURATION)
  void anyTokenizerBinLoadsOrIsRefused(byte[] bytes) throws IOException {
    Path dir = ParserContract.scratchDir();
    try {
      Path file = dir.resolve("tokenizer.bin");
      Files.write(file, bytes);
      Tokenizer tok = ParserContract.parsed(() -> Tokenizers.load(file));
      if (tok != null) TokenizerChecks.assertUsable(tok);
    } finally {
      ParserContract.deleteTree(dir);
    }
  }
}
