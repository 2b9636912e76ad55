package org.jlora.examples.data;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jlora.engine.Rng;

/**
 * A plain text file as language-model data (the {@code --data FILE} option): a character
 * tokenizer built from the text, the first 90% of the characters for training and the last 10%
 * for validation, and batches of random windows from either part.
 *
 * <p>Tokens are kept as {@code char} ids (a char tokenizer never has more than 65536 ids), two
 * bytes a character.
 */
public final class TextData {
  /** The share of the text, from its start, used for training; the rest validates. */
  public static final double TRAIN_FRACTION = 0.9;
  /** The largest file accepted: a String (and so the token index) holds at most about 2^31 chars. */
  static final long MAX_BYTES = Integer.MAX_VALUE - 8;

  private final String source;
  private final CharTokenizer tokenizer;
  private final char[] train;
  private final char[] validation;

  private TextData(String source, String text) {
    if (text.isEmpty()) throw new IllegalArgumentException("TextData: " + source + " is empty");
    this.source = source;
    this.tokenizer = CharTokenizer.fromText(text);
    int split = (int) (text.length() * TRAIN_FRACTION);
    this.train = ids(text, 0, split);
    this.validation = ids(text, split, text.length());
  }

  /**
   * Reads a UTF-8 text file.
   *
   * @throws NoSuchFileException if there is no such file
   * @throws IOException if it cannot be read, is not UTF-8, is empty or too large (the message says which)
   */
  public static TextData load(Path file) throws IOException {
    if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "no text data file here");
    if (!Files.isRegularFile(file)) throw new IOException("TextData.load: " + file + " is not a regular file");
    long size = Files.size(file);
    if (size == 0) throw new IOException("TextData.load: " + file + " is empty");
    if (size > MAX_BYTES) {
      throw new IOException("TextData.load: " + file + " has " + size + " bytes; at most " + MAX_BYTES
          + " fit an int index (split the file)");
    }
    String text;
    try {
      text = StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(Files.readAllBytes(file)))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IOException("TextData.load: " + file + " is not valid UTF-8 text (" + e + ")", e);
    }
    return new TextData(file.toString(), text);
  }

  /** Text held in memory (tests, generated corpora). */
  public static TextData of(String text) {
    return new TextData("the text", text);
  }

  public CharTokenizer tokenizer() {
    return tokenizer;
  }

  /** Characters in the training part. */
  public int trainLength() {
    return train.length;
  }

  /** Characters in the validation part. */
  public int validationLength() {
    return validation.length;
  }

  /** {@code batchSize} random windows of the training part: inputs and targets [B, T]. */
  public Batch trainBatch(Rng rng, int batchSize, int blockSize) {
    return windows(train, "training", rng, batchSize, blockSize);
  }

  /**
   * {@code batchSize} random windows of the validation part. The windows depend only on the
   * generator's state, so {@code valBatch(new Rng(seed), ...)} is the same batch on every call:
   * use a fixed seed for validation losses that are comparable across steps and runs.
   */
  public Batch valBatch(Rng rng, int batchSize, int blockSize) {
    return windows(validation, "validation", rng, batchSize, blockSize);
  }

  /** Random windows of blockSize + 1 tokens: inputs the first blockSize, targets shifted by one. */
  private Batch windows(char[] part, String partName, Rng rng, int batchSize, int blockSize) {
    if (batchSize <= 0 || blockSize <= 0) {
      throw new IllegalArgumentException("TextData: batchSize and blockSize must be positive, got ["
          + batchSize + ", " + blockSize + "]");
    }
    if (part.length < blockSize + 1) {
      throw new IllegalArgumentException("TextData: the " + partName + " part of " + source + " has "
          + part.length + " characters, fewer than blockSize + 1 = " + (blockSize + 1)
          + " (use a smaller --block or a longer file)");
    }
    int[] inputs = new int[batchSize * blockSize];
    int[] targets = new int[batchSize * blockSize];
    for (int b = 0; b < batchSize; b++) {
      int start = rng.nextInt(part.length - blockSize);
      for (int t = 0; t < blockSize; t++) {
        inputs[b * blockSize + t] = part[start + t];
        targets[b * blockSize + t] = part[start + t + 1];
      }
    }
    return new Batch(inputs, targets, batchSize, blockSize);
  }

  private char[] ids(String text, int from, int to) {
    char[] ids = new char[to - from];
    for (int i = from; i < to; i++) ids[i - from] = (char) tokenizer.id(text.charAt(i));
    return ids;
  }
}
