package org.jlora.examples.tokenize;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jlora.examples.checkpoint.JsonFiles;

/**
 * One node of a tokenizer JSON file together with where it came from: the file and the key path
 * ({@code pre_tokenizer.pretokenizers[1].type}). Every component is built from a {@code JsonSpec}, so
 * that a refusal deep in a nested {@code Sequence} still names the file and the exact key.
 */
record JsonSpec(Path file, String key, JsonNode node) {

  /** Largest tokenizer.json read: multilingual vocabularies reach tens of MB, and the file is held as text. */
  static final long MAX_BYTES = 256L << 20;

  /**
   * Reads {@code file} as a JSON object through the one JSON reader of model files
   * ({@link JsonFiles}): a missing, oversized, non-UTF-8 or malformed file is a one-line error
   * naming the file (and the line and column).
   */
  static JsonSpec read(Path file) throws IOException {
    if (!Files.isRegularFile(file)) throw new NoSuchFileException(file.toString(), null, "no such tokenizer file");
    return new JsonSpec(file, "", JsonFiles.readObject(file, MAX_BYTES));
  }


  /** The child {@code name}, possibly missing (a node for which {@link #isMissing} holds). */
  JsonSpec get(String name) {
    return new JsonSpec(file, key.isEmpty() ? name : key + "." + name, node.path(name));
  }

  /** The {@code i}-th element of this array. */
  JsonSpec at(int i) {
    return new JsonSpec(file, key + "[" + i + "]", node.path(i));
  }

  /** This node, which must be a JSON array (a missing one is an error too). */
  JsonSpec requireArray() throws TokenizerFileException {
    if (!node.isArray()) throw fail("expected a list, found " + describe(node));
    return this;
  }

  /** The array child {@code name}; its absence is an error. */
  JsonSpec array(String name) throws TokenizerFileException {
    return get(name).requireArray();
  }

  /** Absent or JSON null. */
  boolean isMissing() {
    return node.isMissingNode() || node.isNull();
  }

  /** The string child {@code name}; its absence is an error. */
  String text(String name) throws TokenizerFileException {
    JsonSpec child = get(name);
    if (!child.node.isTextual()) throw child.fail("expected a string, found " + describe(child.node));
    return child.node.textValue();
  }

  /** The string child {@code name}, or {@code otherwise} when absent or null. */
  String text(String name, String otherwise) throws TokenizerFileException {
    JsonSpec child = get(name);
    return child.isMissing() ? otherwise : text(name);
  }

  /** The boolean child {@code name}, or {@code otherwise} when absent or null. */
  boolean bool(String name, boolean otherwise) throws TokenizerFileException {
    JsonSpec child = get(name);
    if (child.isMissing()) return otherwise;
    if (!child.node.isBoolean()) throw child.fail("expected true or false, found " + describe(child.node));
    return child.node.booleanValue();
  }

  /** The integer child {@code name}, or {@code otherwise} when absent or null. */
  int integer(String name, int otherwise) throws TokenizerFileException {
    JsonSpec child = get(name);
    if (child.isMissing()) return otherwise;
    if (!child.node.canConvertToInt() || !child.node.isIntegralNumber()) {
      throw child.fail("expected an integer, found " + describe(child.node));
    }
    return child.node.intValue();
  }

  /** This node's {@code "type"}. */
  String type() throws TokenizerFileException {
    return text("type");
  }

  /** An error about this key: "FILE: key 'a.b': message". */
  TokenizerFileException fail(String message) {
    return new TokenizerFileException(file, (key.isEmpty() ? "" : "key '" + key + "': ") + message);
  }

  /** The refusal of a component jlora does not implement; it is never skipped, as that would tokenize wrongly. */
  TokenizerFileException unsupported(String what, String type, String supported) {
    return new TokenizerFileException(file, "unsupported " + what + " type '" + type + "' at key '" + key
        + "'; jlora reads " + supported);
  }

  static String describe(JsonNode node) {
    if (node.isMissingNode()) return "nothing";
    String text = node.toString();
    return text.length() > 40 ? text.substring(0, 40) + "..." : text;
  }
}
