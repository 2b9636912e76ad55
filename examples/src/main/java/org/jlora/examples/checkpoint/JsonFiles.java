package org.jlora.examples.checkpoint;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * Reads and writes the small JSON files of a Hugging Face directory ({@code config.json}, the
 * shard index), with errors a user can act on: a malformed file is reported in one line with its
 * path, line and column, never as a parser stack trace.
 */
public final class JsonFiles {
  /**
   * The largest JSON file we read. A config is a few KB; the index of a 400B-parameter model is
   * about 1 MB. The cap keeps a wrong or hostile file from being read whole into memory.
   */
  static final long MAX_JSON_BYTES = 16L << 20;

  /** Duplicate keys are an error: a map would silently keep the last one. */
  static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY)
      .enable(SerializationFeature.INDENT_OUTPUT);

  private JsonFiles() {}

  /**
   * The JSON object in {@code file}.
   *
   * @throws NoSuchFileException if it is missing
   * @throws IOException naming the file (and line and column) if it is too large, not JSON, or not an object
   */
  public static JsonNode readObject(Path file) throws IOException {
    return readObject(file, MAX_JSON_BYTES);
  }

  /** {@link #readObject(Path)} for files allowed up to {@code maxBytes} (a tokenizer.json can be tens of MB). */
  public static JsonNode readObject(Path file, long maxBytes) throws IOException {
    if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "missing");
    long size = Files.size(file);
    if (size > maxBytes) {
      throw new IOException(file + ": " + size + " bytes, more than the " + maxBytes
          + " a JSON file of a model directory may have; is it the right file?");
    }
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {   // its own message is "Input length = 1"
      throw new IOException(file + ": not UTF-8 text, so not a JSON file; is it the right file?", e);
    }
    JsonNode root;
    try {
      root = JSON.readTree(text);
    } catch (JsonProcessingException e) {
      JsonLocation at = e.getLocation();
      String where = at == null ? "" : " at line " + at.getLineNr() + ", column " + at.getColumnNr();
      throw new IOException(file + ": not valid JSON" + where + ": " + problem(e.getOriginalMessage()), e);
    }
    if (root == null || !root.isObject()) {
      throw new IOException(file + ": expected a JSON object {...}, found " + describe(root));
    }
    return root;
  }

  /** {@code node} as indented JSON text ending in a newline, as Hugging Face writes its files. */
  static String toText(JsonNode node) throws IOException {
    return JSON.writeValueAsString(node) + "\n";
  }

  /** "an array", "a number", "nothing": what a JSON value is, in words. */
  static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) return "nothing";
    return switch (node.getNodeType()) {
      case ARRAY -> "an array";
      case OBJECT -> "an object";
      case STRING -> "the string " + node;
      case NUMBER -> "the number " + node;
      case BOOLEAN -> "the value " + node;
      case NULL -> "null";
      default -> node.toString();
    };
  }

  /** The parser's complaint in one line, without the parser's own class names. */
  private static String problem(String message) {
    if (message == null) return "";
    if (message.startsWith(DUPLICATE)) {
      int end = message.indexOf('\'', DUPLICATE.length());
      if (end > 0) return "key '" + message.substring(DUPLICATE.length(), end) + "' appears twice";
    }
    int newline = message.indexOf('\n');
    String first = newline < 0 ? message : message.substring(0, newline);
    // Jackson appends where an unclosed object began, in its own words: the line and column are already given
    return first.replaceFirst(" \\(start marker at \\[Source: .*$", "");
  }

  private static final String DUPLICATE = "Duplicate field '";
}
