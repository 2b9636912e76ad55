package org.jlora.examples.dataset;

import static org.jlora.examples.dataset.PlainTextReaderTest.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonlReaderTest {
  @TempDir Path dir;

  @Test
  void readsTextRecordsSkippingBlankLinesAndIgnoringOtherFields() throws IOException {
    List<DataRecord> records = JsonlReader.read(resource("text.jsonl"));
    assertEquals(2, records.size());
    assertEquals("Once upon a time", ((DataRecord.Text) records.get(0)).text());
    assertEquals("there was a fox.", ((DataRecord.Text) records.get(1)).text());
    assertEquals(3, records.get(1).line());
  }

  @Test
  void readsPromptCompletionRecords() throws IOException {
    List<DataRecord> records = JsonlReader.read(resource("prompt-completion.jsonl"));
    DataRecord.PromptCompletion second = (DataRecord.PromptCompletion) records.get(1);
    assertEquals("3+4=", second.prompt());
    assertEquals("7", second.completion());
    assertEquals(2, second.line());
  }

  @Test
  void readsConversations() throws IOException {
    List<DataRecord> records = JsonlReader.read(resource("chat.jsonl"));
    DataRecord.Conversation first = (DataRecord.Conversation) records.get(0);
    assertEquals(List.of(new ChatMessage("system", "Be brief."), new ChatMessage("user", "Hi"),
        new ChatMessage("assistant", "Hello.")), first.messages());
    assertEquals(4, ((DataRecord.Conversation) records.get(1)).messages().size());
  }

  /** The message of reading {@code content}, which must fail. */
  private String error(String content) throws IOException {
    Path file = dir.resolve("data.jsonl");
    Files.writeString(file, content);
    DataFileException e = assertThrows(DataFileException.class, () -> JsonlReader.read(file));
    assertFalse(e.getMessage().contains("com.fasterxml") || e.getMessage().contains("Exception"), e.getMessage());
    assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
    return e.getMessage();
  }

  private String prefix(int line) {
    return dir.resolve("data.jsonl") + " line " + line + ": ";
  }

  @Test
  void invalidJsonNamesTheLineAndColumn() throws IOException {
    String m = error("{\"text\": \"a\"}\n{\"text\": \"b\",}\n");
    assertTrue(m.startsWith(prefix(2) + "not valid JSON at column "), m);
    assertTrue(m.contains("expected one JSON object per line"), m);
  }

  @Test
  void anUnterminatedObjectIsInvalid() throws IOException {
    String m = error("\n\n{\"text\": \"a\"\n");
    assertTrue(m.startsWith(prefix(3) + "not valid JSON at column 13 (Unexpected end-of-input"), m);
    assertFalse(m.contains("Source") || m.contains("StreamReadFeature"), "no location meant for programmers: " + m);
  }

  @Test
  void twoValuesOnALineAreRefused() throws IOException {
    String m = error("{\"text\": \"a\"} {\"text\": \"b\"}\n");
    assertTrue(m.startsWith(prefix(1) + "more than one JSON value on the line"), m);
  }

  @Test
  void aValueThatIsNotAnObjectIsRefused() throws IOException {
    assertTrue(error("[1, 2]\n").startsWith(prefix(1) + "found an array; expected one JSON object per line"));
    assertTrue(error("\"text\"\n").startsWith(prefix(1) + "found a string;"));
  }

  @Test
  void anObjectWithoutKnownFieldsListsItsFields() throws IOException {
    String m = error("{\"input\": \"a\", \"output\": \"b\"}\n");
    assertTrue(m.startsWith(prefix(1) + "the object has none of the fields"), m);
    assertTrue(m.contains("(its fields: \"input\", \"output\")"), m);
  }

  @Test
  void aMissingFieldIsNamed() throws IOException {
    String m = error("{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"c\"}\n");
    assertEquals(prefix(2) + "the \"completion\" field is missing; expected {\"prompt\": ..., \"completion\": ...}", m);
  }

  @Test
  void aNonStringFieldIsNamedWithItsType() throws IOException {
    String m = error("{\"text\": 42}\n");
    assertEquals(prefix(1) + "the \"text\" field must be a string, found a number; expected {\"text\": ...}", m);
    assertTrue(error("{\"prompt\": \"a\", \"completion\": null}\n").contains("the \"completion\" field must be a string, found null"));
  }

  @Test
  void mixedShapesAreRefused() throws IOException {
    String m = error("{\"text\": \"a\"}\n\n{\"prompt\": \"p\", \"completion\": \"c\"}\n");
    assertTrue(m.startsWith(prefix(3) + "a {\"prompt\": ..., \"completion\": ...} record, but line 1 is {\"text\": ...}"), m);
    assertTrue(error("{\"text\": \"a\", \"messages\": []}\n").startsWith(prefix(1) + "the object mixes record shapes"));
  }

  @Test
  void anUnknownRoleIsRefused() throws IOException {
    String m = error("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}, {\"role\": \"bot\", \"content\": \"b\"}]}\n");
    assertTrue(m.startsWith(prefix(1) + "message 2 of \"messages\" has the unknown role \"bot\"; use one of"), m);
  }

  @Test
  void badMessagesAreRefused() throws IOException {
    assertTrue(error("{\"messages\": []}\n").startsWith(prefix(1) + "\"messages\" must be a non-empty array"));
    assertTrue(error("{\"messages\": []}\n").endsWith("found an empty array"));
    assertTrue(error("{\"messages\": \"hi\"}\n").contains("found a string"));
    assertTrue(error("{\"messages\": [{\"role\": \"user\"}]}\n")
        .startsWith(prefix(1) + "message 1 of \"messages\" has no \"content\" field"));
    assertTrue(error("{\"messages\": [{\"role\": \"assistant\", \"content\": [\"a\"]}]}\n")
        .contains("the \"content\" of message 1 of \"messages\" must be a string, found an array"));
    assertTrue(error("{\"messages\": [{\"role\": \"user\", \"content\": \"a\"}]}\n")
        .startsWith(prefix(1) + "the conversation has no \"assistant\" message"));
  }

  @Test
  void duplicateKeysAndEmptyTextAreRefused() throws IOException {
    assertTrue(error("{\"text\": \"a\", \"text\": \"b\"}\n").startsWith(prefix(1) + "not valid JSON"));
    assertTrue(error("{\"text\": \"\"}\n").startsWith(prefix(1) + "the \"text\" field is empty"));
  }

  @Test
  void anEmptyFileIsAnError() throws IOException {
    assertTrue(error("\n\n").endsWith("data.jsonl: has no records (it is empty or only blank lines); expected one JSON "
        + "object per line: {\"text\": ...}, {\"prompt\": ..., \"completion\": ...} or {\"messages\": [{\"role\": ..., "
        + "\"content\": ...}, ...]}"));
  }

  @Test
  void anOverlongLineIsRefusedBeforeItIsParsed() {
    String big = "{\"text\": \"" + "x".repeat(100) + "\"}\n";
    byte[] bytes = ("{\"text\": \"ok\"}\n" + big).getBytes(StandardCharsets.UTF_8);
    Utf8Lines lines = Utf8Lines.of("big.jsonl", new ByteArrayInputStream(bytes), 64);
    DataFileException e = assertThrows(DataFileException.class, () -> JsonlReader.read(lines));
    assertTrue(e.getMessage().startsWith("big.jsonl line 2: the line is longer than 64 bytes"), e.getMessage());
  }

  @Test
  void malformedUtf8InAJsonlFileNamesTheLine() throws IOException {
    Path file = dir.resolve("data.jsonl");
    byte[] head = "{\"text\": \"ok\"}\n{\"text\": \"".getBytes(StandardCharsets.UTF_8);
    byte[] bytes = new byte[head.length + 3];
    System.arraycopy(head, 0, bytes, 0, head.length);
    bytes[head.length] = (byte) 0xC3;   // a two-byte lead followed by a quote: malformed
    bytes[head.length + 1] = '"';
    bytes[head.length + 2] = '}';
    Files.write(file, bytes);
    DataFileException e = assertThrows(DataFileException.class, () -> JsonlReader.read(file));
    assertTrue(e.getMessage().startsWith(prefix(2) + "not valid UTF-8 at byte offset " + head.length), e.getMessage());
  }
}
