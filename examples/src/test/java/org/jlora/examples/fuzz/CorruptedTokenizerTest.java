package org.jlora.examples.fuzz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.examples.tokenize.Tokenizer;
import org.jlora.examples.tokenize.Tokenizers;
import org.jlora.lora.fuzz.Corruptions;
import org.jlora.lora.fuzz.ParserContract;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The corruption property for tokenizer files. A truncated {@code tokenizer.json} loads as the same
 * tokenizer or is refused. llama2.c's {@code tokenizer.bin} has no token count, so a file cut at a
 * token boundary is a valid, shorter tokenizer: a truncation is refused or keeps the first tokens
 * unchanged. A flipped byte of either is refused or gives a tokenizer that still encodes and
 * decodes ({@link TokenizerChecks}). Never another exception, an OutOfMemoryError or a hang.
 */
class CorruptedTokenizerTest {
  private static final Path SEEDS = Path.of("src/test/resources/org/jlora/examples/fuzz");
  private static final Path JSON = SEEDS.resolve("TokenizerJsonFuzzTestInputs/anyTokenizerJsonLoadsOrIsRefused/seed-byte-level");
  private static final Path BIN = SEEDS.resolve("Llama2cTokenizerFuzzTestInputs/anyTokenizerBinLoadsOrIsRefused/seed-tiny");

  @TempDir
  Path dir;

  @Test
  void truncatedTokenizerJsonLoadsTheSameOrIsRefused() throws IOException {
    byte[] valid = Files.readAllBytes(JSON);
    Tokenizer expected = loadJson(valid);
    assertNotNull(expected, "the valid tokenizer.json loads");
    int[] ids = expected.encode(TokenizerChecks.SAMPLE, true);
    Corruptions.checkAll(Corruptions.truncations(valid), v -> {
      Tokenizer tok = loadJson(v.bytes());
      if (tok != null) assertArrayEquals(ids, tok.encode(TokenizerChecks.SAMPLE, true), "a truncated file encodes differently");
    });
  }

  @Test
  void flippedTokenizerJsonIsUsableOrRefused() throws IOException {
    Corruptions.checkAll(Corruptions.flips(Files.readAllBytes(JSON), 29), v -> {
      Tokenizer tok = loadJson(v.bytes());
      if (tok != null) TokenizerChecks.assertUsable(tok);
    });
  }

  @Test
  void truncatedTokenizerBinKeepsItsFirstTokensOrIsRefused() throws IOException {
    byte[] valid = Files.readAllBytes(BIN);
    Tokenizer expected = loadBin(valid);
    assertNotNull(expected, "the valid tokenizer.bin loads");
    Corruptions.checkAll(Corruptions.truncations(valid), v -> {
      Tokenizer tok = loadBin(v.bytes());
      if (tok == null) return;
      assertTrue(tok.vocabSize() < expected.vocabSize(), "a truncated file has as many tokens");
      for (int id = 0; id < tok.vocabSize(); id++) assertEquals(expected.token(id), tok.token(id), "token " + id);
    });
  }

  @Test
  void flippedTokenizerBinIsUsableOrRefused() throws IOException {
    Corruptions.checkAll(Corruptions.flips(Files.readAllBytes(BIN), 31), v -> {
      Tokenizer tok = loadBin(v.bytes());
      if (tok != null) TokenizerChecks.assertUsable(tok);
    });
  }

  private Tokenizer loadJson(byte[] bytes) throws IOException {
    Files.write(dir.resolve("tokenizer.json"), bytes);
    return ParserContract.parsed(() -> Tokenizers.load(dir));
  }

  private Tokenizer loadBin(byte[] bytes) throws IOException {
    Path file = dir.resolve("tokenizer.bin");
    Files.write(file, bytes);
    return ParserContract.parsed(() -> Tokenizers.load(file));
  }
}
