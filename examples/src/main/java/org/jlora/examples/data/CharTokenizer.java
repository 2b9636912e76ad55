package org.jlora.examples.data;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import org.jlora.lora.io.AtomicFiles;

/**
 * A character-level tokenizer: token id {@code i} is the {@code i}-th character of the alphabet.
 *
 * <p>Characters are Java {@code char}s (UTF-16 code units), so a character outside the Basic
 * Multilingual Plane (an emoji) is two tokens, its surrogates; decoding the whole sequence gives
 * the text back. On disk it is a small JSON file, {@code {"format": "jlora-char-tokenizer",
 * "version": 1, "alphabet": "..."}}.
 *
 * <pre>{@code
 * CharTokenizer tok = CharTokenizer.fromText("hello");  // alphabet "ehlo"
 * int[] ids = tok.encode("hole");                       // [2, 3, 1, 0]
 * tok.decode(ids);                                      // "hole"
 * }</pre>
 */
public final class CharTokenizer implements org.jlora.examples.tokenize.Tokenizer {
  static final String FORMAT = "jlora-char-tokenizer";
  static final int VERSION = 1;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String alphabet;
  /** idOf[c] = the id of char c, or -1; sized to the largest char in the alphabet. */
  private final int[] idOf;

  private CharTokenizer(String alphabet) {
    if (alphabet.isEmpty()) throw new IllegalArgumentException("CharTokenizer: the alphabet is empty");
    int maxChar = 0;
    for (int i = 0; i < alphabet.length(); i++) maxChar = Math.max(maxChar, alphabet.charAt(i));
    int[] ids = new int[maxChar + 1];
    Arrays.fill(ids, -1);
    for (int i = 0; i < alphabet.length(); i++) {
      char c = alphabet.charAt(i);
      if (ids[c] >= 0) {
        throw new IllegalArgumentException("CharTokenizer: duplicate character " + describe(c)
            + " in the alphabet at positions " + ids[c] + " and " + i);
      }
      ids[c] = i;
    }
    this.alphabet = alphabet;
    this.idOf = ids;
  }

  /** The tokenizer of {@code text}'s distinct characters, in ascending char order. */
  public static CharTokenizer fromText(String text) {
    if (text.isEmpty()) throw new IllegalArgumentException("CharTokenizer.fromText: the text is empty");
    StringBuilder distinct = new StringBuilder();
    text.chars().distinct().sorted().forEach(c -> distinct.append((char) c));
    return new CharTokenizer(distinct.toString());
  }

  /** The tokenizer whose id {@code i} is {@code alphabet.charAt(i)}; no character may repeat. */
  public static CharTokenizer of(String alphabet) {
    return new CharTokenizer(alphabet);
  }

  /** The token ids of {@code text}, one per char. */
  public int[] encode(String text) {
    int[] ids = new int[text.length()];
    for (int i = 0; i < ids.length; i++) {
      char c = text.charAt(i);
      int id = c < idOf.length ? idOf[c] : -1;
      if (id < 0) {
        throw new IllegalArgumentException("CharTokenizer.encode: character " + describe(c)
            + " at position " + i + " is not in the alphabet " + quoted(alphabet));
      }
      ids[i] = id;
    }
    return ids;
  }

  /** The text of all {@code ids}. */
  public String decode(int[] ids) {
    return decode(ids, 0, ids.length);
  }

  /** The text of {@code ids[from, to)}. */
  public String decode(int[] ids, int from, int to) {
    if (from < 0 || to > ids.length || from > to) {
      throw new IndexOutOfBoundsException("CharTokenizer.decode: range [" + from + ", " + to
          + ") does not fit " + ids.length + " ids");
    }
    StringBuilder text = new StringBuilder(to - from);
    for (int i = from; i < to; i++) {
      int id = ids[i];
      if (id < 0 || id >= alphabet.length()) {
        throw new IllegalArgumentException("CharTokenizer.decode: id " + id + " at position " + i
            + " is outside the vocabulary [0, " + alphabet.length() + ")");
      }
      text.append(alphabet.charAt(id));
    }
    return text.toString();
  }

  /** The ids of {@code text}; a character tokenizer has no special tokens to add. */
  @Override
  public int[] encode(String text, boolean addSpecialTokens) {
    return encode(text);
  }

  /** The text of {@code ids}; there are no special tokens to skip. */
  @Override
  public String decode(int[] ids, boolean skipSpecialTokens) {
    return decode(ids);
  }

  /** The character of {@code id}, or null outside the vocabulary. */
  @Override
  public String token(int id) {
    return id >= 0 && id < alphabet.length() ? String.valueOf(alphabet.charAt(id)) : null;
  }

  /** No beginning-of-sequence token. */
  @Override
  public java.util.OptionalInt bosId() {
    return java.util.OptionalInt.empty();
  }

  /** No end-of-sequence token (the small GPT's tasks end at a newline). */
  @Override
  public java.util.OptionalInt eosId() {
    return java.util.OptionalInt.empty();
  }

  /** How many distinct tokens there are (the embedding table's row count). */
  @Override
  public int vocabSize() {
    return alphabet.length();
  }

  /** The id of {@code c}. */
  public int id(char c) {
    int id = c < idOf.length ? idOf[c] : -1;
    if (id < 0) {
      throw new IllegalArgumentException("CharTokenizer.id: character " + describe(c)
          + " is not in the alphabet " + quoted(alphabet));
    }
    return id;
  }

  /** Whether {@code c} has an id. */
  public boolean contains(char c) {
    return c < idOf.length && idOf[c] >= 0;
  }

  /** The characters in id order. */
  public String alphabet() {
    return alphabet;
  }

  /** Writes the tokenizer as JSON, atomically (a reader never sees half a file). */
  public void save(Path file) throws IOException {
    ObjectNode root = JSON.createObjectNode();
    root.put("format", FORMAT);
    root.put("version", VERSION);
    root.put("alphabet", alphabet);
    AtomicFiles.writeString(file, JSON.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n");
  }

  /**
   * Reads a tokenizer written by {@link #save}.
   *
   * @throws NoSuchFileException if the file does not exist
   * @throws IOException if the file cannot be read, or is not a tokenizer file (the message says why)
   */
  public static CharTokenizer load(Path file) throws IOException {
    if (!Files.exists(file)) throw new NoSuchFileException(file.toString(), null, "no tokenizer file here");
    JsonNode root;
    try {
      root = JSON.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw new IOException("CharTokenizer.load: " + file + " is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (CharacterCodingException e) {
      throw new IOException("CharTokenizer.load: " + file + " is not UTF-8 text (" + e + ")", e);
    }
    if (root == null || !root.isObject()) throw malformed(file, "expected a JSON object");
    if (!FORMAT.equals(root.path("format").asText(null))) {
      throw malformed(file, "\"format\" must be \"" + FORMAT + "\"");
    }
    if (!root.path("version").isInt() || root.path("version").intValue() != VERSION) {
      throw malformed(file, "\"version\" must be " + VERSION + ", found " + root.path("version"));
    }
    JsonNode alphabet = root.path("alphabet");
    if (!alphabet.isTextual()) throw malformed(file, "\"alphabet\" must be a string");
    try {
      return new CharTokenizer(alphabet.textValue());
    } catch (IllegalArgumentException e) {
      throw malformed(file, e.getMessage());
    }
  }

  private static IOException malformed(Path file, String why) {
    return new IOException("CharTokenizer.load: " + file + " is not a tokenizer file: " + why);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof CharTokenizer other && alphabet.equals(other.alphabet);
  }

  @Override
  public int hashCode() {
    return alphabet.hashCode();
  }

  @Override
  public String toString() {
    return "CharTokenizer(" + alphabet.length() + " chars: " + quoted(alphabet) + ")";
  }

  /** A char as a reader can see it: 'a', '\n', U+00A0. */
  static String describe(char c) {
    return switch (c) {
      case '\n' -> "'\\n'";
      case '\t' -> "'\\t'";
      case '\r' -> "'\\r'";
      default -> Character.isISOControl(c) || (Character.isWhitespace(c) && c != ' ') || Character.isSurrogate(c)
          ? String.format("U+%04X", (int) c)
          : "'" + c + "' (U+" + String.format("%04X", (int) c) + ")";
    };
  }

  private static String quoted(String s) {
    String shown = s.length() > 80 ? s.substring(0, 80) + "..." : s;
    return "\"" + shown.replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r") + "\"";
  }
}
