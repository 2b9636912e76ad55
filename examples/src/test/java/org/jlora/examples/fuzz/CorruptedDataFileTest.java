package org.jlora.examples.fuzz;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jlora.examples.dataset.DataRecord;
import org.jlora.examples.dataset.JsonlReader;
import org.jlora.examples.dataset.PlainTextReader;
import org.jlora.lora.fuzz.Corruptions;
import org.jlora.lora.fuzz.ParserContract;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The corruption property for training data. A truncated JSON Lines file reads as the records of
 * its whole lines (a cut line is never half a record: a cut JSON object does not parse) or is
 * refused; a truncated text file reads as its first documents, the last possibly cut short. A
 * flipped byte of a JSON Lines file leaves the same records on the same lines (their text may
 * differ) or is refused. Never another exception, an OutOfMemoryError or a hang.
 */
class CorruptedDataFileTest {
  @TempDir
  Path dir;

  @ParameterizedTest
  @ValueSource(strings = {"chat.jsonl", "prompt-completion.jsonl", "text.jsonl"})
  void truncatedJsonlReadsAsItsWholeLinesOrIsRefused(String name) throws IOException {
    byte[] valid = data(name);
    List<DataRecord> expected = jsonl(valid);
    assertNotNull(expected, "the valid file reads");
    Corruptions.checkAll(Corruptions.truncations(valid), v -> {
      List<DataRecord> records = jsonl(v.bytes());
      if (records != null) assertEquals(expected.subList(0, records.size()), records, "not a prefix of the file's records");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"chat.jsonl", "prompt-completion.jsonl", "text.jsonl"})
  void flippedJsonlKeepsItsRecordsOrIsRefused(String name) throws IOException {
    List<DataRecord> expected = jsonl(data(name));
    Corruptions.checkAll(Corruptions.flips(data(name), 17), v -> {
      List<DataRecord> records = jsonl(v.bytes());
      if (records == null) return;
      assertEquals(expected.size(), records.size(), "records");
      for (int i = 0; i < records.size(); i++) {
        assertEquals(expected.get(i).getClass(), records.get(i).getClass(), "record " + i + "'s shape");
        assertEquals(expected.get(i).line(), records.get(i).line(), "record " + i + "'s line");
      }
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"paragraphs.txt", "chat.jsonl"})
  void truncatedTextReadsAsItsFirstDocumentsOrIsRefused(String name) throws IOException {
    byte[] valid = data(name);
    List<DataRecord.Text> expected = text(valid);
    Corruptions.checkAll(Corruptions.truncations(valid), v -> {
      List<DataRecord.Text> documents = text(v.bytes());
      if (documents == null) return;
      int last = documents.size() - 1;
      assertEquals(expected.subList(0, last), documents.subList(0, last), "the documents before the cut");
      assertEquals(expected.get(last).line(), documents.get(last).line(), "the cut document's line");
      assertTrue(expected.get(last).text().startsWith(documents.get(last).text()), "the cut document is a prefix");
    });
  }

  @ParameterizedTest
  @ValueSource(strings = {"paragraphs.txt", "chat.jsonl"})
  void flippedTextReadsOrIsRefused(String name) throws IOException {
    Corruptions.checkAll(Corruptions.flips(data(name), 23), v -> {
      List<DataRecord.Text> documents = text(v.bytes());
      if (documents != null) documents.forEach(d -> assertTrue(!d.text().isBlank() && d.line() >= 1, d.toString()));
    });
  }

  private static byte[] data(String name) throws IOException {
    return Files.readAllBytes(Path.of("src/test/resources/dataset", name));
  }

  private List<DataRecord> jsonl(byte[] bytes) throws IOException {
    Path file = dir.resolve("data.jsonl");
    Files.write(file, bytes);
    return ParserContract.parsed(() -> JsonlReader.read(file));
  }

  private List<DataRecord.Text> text(byte[] bytes) throws IOException {
    Path file = dir.resolve("data.txt");
    Files.write(file, bytes);
    return ParserContract.parsed(() -> PlainTextReader.read(file, PlainTextReader.Split.BLANK_LINES));
  }
}
