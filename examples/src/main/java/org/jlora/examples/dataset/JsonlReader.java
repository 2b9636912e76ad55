package org.jlora.examples.dataset;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * A JSON Lines file (one JSON object a line, blank lines skipped) in one of the three shapes
 * Hugging Face's TRL trains on:
 * <pre>
 *   {"text": "..."}
 *   {"prompt": "...", "completion": "..."}
 *   {"messages": [{"role": "user", "content": "..."}, {"role": "assistant", "content": "..."}]}
 * </pre>
 * The first record decides the shape and every other record must have it: a file that mixes them
 * is more likely a mistake than a plan, and the loss masks differ. Other fields (an "id", say) are
 * ignored. Each error names the line and what was expected there.
 */
public final class JsonlReader {
  /** The shape of a file's records. */
  public enum Kind {
    TEXT("{\"text\": ...}"),
    PROMPT_COMPLETION("{\"prompt\": ..., \"completion\": ...}"),
    MESSAGES("{\"messages\": [{\"role\": ..., \"content\": ...}, ...]}");

    private final String shape;

    Kind(String shape) {
      this.shape = shape;
    }

    /** The record's shape as a user would write it. */
    public String shape() {
      return shape;
    }
  }

  private static final String EXPECTED = "expected one JSON object per line: " + Kind.TEXT.shape() + ", "
      + Kind.PROMPT_COMPLETION.shape() + " or " + Kind.MESSAGES.shape();

  /**
   * Strict JSON: duplicate keys are an error (which one would win is a guess), and strings may be
   * as long as a line (Jackson's default cap of 20 M chars would reject a legal long line).
   */
  private static final JsonMapper JSON = JsonMapper.builder(JsonFactory.builder()
          .streamReadConstraints(StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build())
          .build())
      .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
      .disable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
      .build();

  private JsonlReader() {}

  /** The records of {@code file}; an empty file is an error. */
  public static List<DataRecord> read(Path file) throws IOException {
    try (Utf8Lines lines = Utf8Lines.open(file)) {
      return read(lines);
    }
  }

  /** The records of already opened lines (tests pass a small bound on a line's length). */
  public static List<DataRecord> read(Utf8Lines lines) throws IOException {
    List<DataRecord> records = new ArrayList<>();
    Kind fileKind = null;
    int firstLine = 0;
    String text;
    while ((text = lines.next()) != null) {
      if (text.isBlank()) continue;
      int line = lines.lineNumber();
      JsonNode node = parse(lines.file(), line, text);
      Kind kind = kindOf(lines.file(), line, node);
      if (fileKind == null) {
        fileKind = kind;
        firstLine = line;
      } else if (kind != fileKind) {
        throw new DataFileException(lines.file(), line, "a " + kind.shape() + " record, but line " + firstLine + " is "
            + fileKind.shape() + "; every record of a file must have the same shape");
      }
      records.add(record(lines.file(), line, kind, node));
    }
    if (records.isEmpty()) throw new DataFileException(lines.file(), "has no records (it is empty or only blank lines); " + EXPECTED);
    return records;
  }

  private static JsonNode parse(String file, int line, String text) throws DataFileException {
    try (JsonParser parser = JSON.createParser(text)) {
      JsonNode node = JSON.readTree(parser);
      if (parser.nextToken() != null) {
        throw new DataFileException(file, line, "more than one JSON value on the line (column "
            + parser.currentTokenLocation().getColumnNr() + "); " + EXPECTED);
      }
      if (node == null || !node.isObject()) {
        throw new DataFileException(file, line, "found " + describe(node) + "; " + EXPECTED);
      }
      return node;
    } catch (JsonProcessingException e) {
      String why = jacksonReason(e.getOriginalMessage());
      int column = e.getLocation() != null ? e.getLocation().getColumnNr() : -1;
      throw new DataFileException(file, line, "not valid JSON" + (column > 0 ? " at column " + column : "") + " (" + why
          + "); " + EXPECTED);
    } catch (DataFileException e) {
      throw e;
    } catch (IOException e) {
      throw new DataFileException(file, line, "could not be parsed (" + e.getMessage() + "); " + EXPECTED);
    }
  }

  /**
   * Jackson's reason, first line only, without the location it appends for programmers
   * ("(start marker at [Source: ...])"): the message already names the line and column.
   */
  private static String jacksonReason(String message) {
    String why = message == null ? "" : message.lines().findFirst().orElse("");
    int source = why.indexOf("[Source:");
    if (source >= 0) {
      int open = why.lastIndexOf(" (", source);
      why = why.substring(0, open >= 0 ? open : source);
    }
    why = why.strip();
    return why.isEmpty() ? "malformed" : why;
  }

  /** Which shape the object has, by its keys; none or several is an error. */
  private static Kind kindOf(String file, int line, JsonNode node) throws DataFileException {
    boolean text = node.has("text");
    boolean promptCompletion = node.has("prompt") || node.has("completion");
    boolean messages = node.has("messages");
    int shapes = (text ? 1 : 0) + (promptCompletion ? 1 : 0) + (messages ? 1 : 0);
    if (shapes == 0) {
      throw new DataFileException(file, line, "the object has none of the fields \"text\", \"prompt\"/\"completion\" or "
          + "\"messages\" (its fields: " + fieldNames(node) + "); " + EXPECTED);
    }
    if (shapes > 1) {
      throw new DataFileException(file, line, "the object mixes record shapes (its fields: " + fieldNames(node)
          + "); keep only one of \"text\", \"prompt\"/\"completion\" or \"messages\"");
    }
    return text ? Kind.TEXT : promptCompletion ? Kind.PROMPT_COMPLETION : Kind.MESSAGES;
  }

  private static DataRecord record(String file, int line, Kind kind, JsonNode node) throws DataFileException {
    return switch (kind) {
      case TEXT -> {
        String text = string(file, line, node, "text", kind);
        if (text.isEmpty()) throw new DataFileException(file, line, "the \"text\" field is empty; remove the line or give it text");
        yield new DataRecord.Text(file, line, text);
      }
      case PROMPT_COMPLETION -> new DataRecord.PromptCompletion(file, line, string(file, line, node, "prompt", kind),
          string(file, line, node, "completion", kind));
      case MESSAGES -> new DataRecord.Conversation(file, line, messages(file, line, node.get("messages")));
    };
  }

  private static List<ChatMessage> messages(String file, int line, JsonNode array) throws DataFileException {
    if (!array.isArray() || array.isEmpty()) {
      throw new DataFileException(file, line, "\"messages\" must be a non-empty array of {\"role\": ..., \"content\": ...}"
          + " objects, found " + (array.isArray() ? "an empty array" : describe(array)));
    }
    List<ChatMessage> messages = new ArrayList<>();
    boolean hasAssistant = false;
    for (int i = 0; i < array.size(); i++) {
      JsonNode message = array.get(i);
      String where = "message " + (i + 1) + " of \"messages\"";
      if (!message.isObject()) {
        throw new DataFileException(file, line, where + " must be a {\"role\": ..., \"content\": ...} object, found "
            + describe(message));
      }
      String role = field(file, line, message, "role", where);
      String content = field(file, line, message, "content", where);
      if (!ChatMessage.ROLES.contains(role)) {
        throw new DataFileException(file, line, where + " has the unknown role \"" + role + "\"; use one of "
            + "\"system\", \"user\", \"assistant\" or \"tool\"");
      }
      hasAssistant |= role.equals(ChatMessage.ASSISTANT);
      messages.add(new ChatMessage(role, content));
    }
    if (!hasAssistant) {
      throw new DataFileException(file, line, "the conversation has no \"assistant\" message, so there is nothing to learn "
          + "from it (training scores only the assistant's turns)");
    }
    return messages;
  }

  private static String string(String file, int line, JsonNode node, String name, Kind kind) throws DataFileException {
    JsonNode value = node.get(name);
    if (value == null) {
      throw new DataFileException(file, line, "the \"" + name + "\" field is missing; expected " + kind.shape());
    }
    if (!value.isTextual()) {
      throw new DataFileException(file, line, "the \"" + name + "\" field must be a string, found " + describe(value)
          + "; expected " + kind.shape());
    }
    return value.textValue();
  }

  private static String field(String file, int line, JsonNode message, String name, String where) throws DataFileException {
    JsonNode value = message.get(name);
    if (value == null) throw new DataFileException(file, line, where + " has no \"" + name + "\" field");
    if (!value.isTextual()) {
      throw new DataFileException(file, line, "the \"" + name + "\" of " + where + " must be a string, found "
          + describe(value));
    }
    return value.textValue();
  }

  /** A JSON value's type in words ("a number", "null", ...). */
  private static String describe(JsonNode node) {
    if (node == null || node.isMissingNode()) return "nothing";
    if (node.isNull()) return "null";
    if (node.isTextual()) return "a string";
    if (node.isNumber()) return "a number";
    if (node.isBoolean()) return "a boolean";
    if (node.isArray()) return "an array";
    if (node.isObject()) return "an object";
    return "an unsupported value";
  }

  private static String fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) names.add("\"" + it.next() + "\"");
    return names.isEmpty() ? "none" : String.join(", ", names);
  }
}
