package org.jlora.examples.tokenize;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/** Finds and reads the tokenizer of a model directory (or a tokenizer file given directly). */
public final class Tokenizers {
  private Tokenizers() {}

  /**
   * Reads, in this order of preference: {@code tokenizer.json} (Hugging Face, with
   * {@code tokenizer_config.json} beside it if present); GPT-2's {@code vocab.json} +
   * {@code merges.txt}; llama2.c's {@code tokenizer.bin}. {@code path} may also name one of those
   * files, or any llama2.c tokenizer file ending in {@code .bin} (such as {@code tok512.bin}).
   *
   * @throws IOException with a one-line message naming the file and what to do when nothing usable is there
   */
  public static Tokenizer load(Path path) throws IOException {
    if (Files.isDirectory(path)) {
      Path json = path.resolve("tokenizer.json");
      if (Files.isRegularFile(json)) return HfTokenizer.fromTokenizerJson(json);
      Path vocab = path.resolve("vocab.json");
      Path merges = path.resolve("merges.txt");
      if (Files.isRegularFile(vocab) && Files.isRegularFile(merges)) return HfTokenizer.fromGpt2Files(vocab, merges);
      Path bin = path.resolve("tokenizer.bin");
      if (Files.isRegularFile(bin)) return Llama2cTokenizer.load(bin);
      if (Files.isRegularFile(path.resolve("tokenizer.model"))) {
        throw new TokenizerFileException(path.resolve("tokenizer.model"), "a SentencePiece model file, which jlora"
            + " does not read; convert it to tokenizer.json with transformers (AutoTokenizer.from_pretrained(dir)"
            + ".save_pretrained(dir)) and load the directory again");
      }
      throw new TokenizerFileException(path, "no tokenizer here; jlora reads tokenizer.json, vocab.json + merges.txt,"
          + " or a llama2.c tokenizer.bin");
    }
    if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "no tokenizer file or model directory here");
    String name = path.getFileName().toString();
    if (name.endsWith(".json") && !name.equals("vocab.json")) return HfTokenizer.fromTokenizerJson(path);
    if (name.equals("vocab.json")) return HfTokenizer.fromGpt2Files(path, path.resolveSibling("merges.txt"));
    if (name.equals("merges.txt")) return HfTokenizer.fromGpt2Files(path.resolveSibling("vocab.json"), path);
    if (name.endsWith(".bin")) return Llama2cTokenizer.load(path);
    throw new TokenizerFileException(path, "not a tokenizer file jlora knows; give tokenizer.json, vocab.json,"
        + " merges.txt, a llama2.c tokenizer .bin, or the model directory that holds one");
  }
}
