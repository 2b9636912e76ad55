package org.jlora.examples.fuzz;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlora.examples.dataset.DataRecord;
import org.jlora.examples.dataset.JsonlReader;
import org.jlora.examples.dataset.PlainTextReader;
import org.jlora.examples.dataset.Utf8Lines;
import org.jlora.lora.fuzz.ParserContract;

/**
 * Coverage-guided fuzzing of training data files: the same bytes read as JSON Lines
 * ({@code JsonlReader}) and as plain text in both splits ({@code PlainTextReader}), all through the
 * strict UTF-8 line reader ({@code Utf8Lines}), once with its default line bound and once with a
 * small one so that over-long lines are reached too. One target for the three, because they share
 * the line reader and the fuzz pass's time is better spent than on three JVMs.
 */
class DataFileFuzzTest {
  /** Small enough that fuzzed inputs have over-long lines. */
  private static final int SHORT_LINE_BYTES = 64;

  @FuzzTest(maxDuration = ParserContract.FUZZ_DURATION)
  void anyDataFileReadsOrIsRefused(byte[] bytes) throws IOException {
    Path file = ParserContract.scratchFile(".jsonl", bytes);
    try {
      ParserContract.check(() -> JsonlReader.read(file));
      ParserContract.check(() -> JsonlReader.read(Utf8Lines.of("data.jsonl", new ByteArrayInputStream(bytes), SHORT_LINE_BYTES)));
      List<DataRecord.Text> paragraphs = ParserContract.parsed(() -> PlainTextReader.read(file, PlainTextReader.Split.BLANK_LINES));
      List<DataRecord.Text> lines = ParserContract.parsed(() -> PlainTextReader.read(file, PlainTextReader.Split.LINES));
      if ((paragraphs == null) != (lines == null)) {
        throw new AssertionError("one split read the file, the other refused it");
      }
      // the two splits see the same non-blank lines: paragraphs are the lines, grouped
      if (paragraphs != null && !linesOf(paragraphs).equals(texts(lines))) {
        throw new AssertionError("paragraphs " + texts(paragraphs) + " do not hold the lines " + texts(lines));
      }
    } finally {
      java.nio.file.Files.deleteIfExists(file);
    }
  }

  private static List<String> linesOf(List<DataRecord.Text> documents) {
    List<String> out = new ArrayList<>();
    for (DataRecord.Text d : documents) out.addAll(List.of(d.text().split("\n", -1)));
    return out;
  }

  private static List<String> texts(List<DataRecord.Text> documents) {
    return documents.stream().map(DataRecord.Text::text).toList();
  }
}
