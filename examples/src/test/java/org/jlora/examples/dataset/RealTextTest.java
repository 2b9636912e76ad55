package org.jlora.examples.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jlora.engine.Rng;
import org.jlora.examples.data.Batch;
import org.junit.jupiter.api.Test;

/** The Devil's Dictionary beside the project ({@code ../shared/data}), read as a user's file would be. */
class RealTextTest {
  private static final Path DICTIONARY = Path.of("../../shared/data/devils-dictionary.txt");

  @Test
  void theDevilsDictionaryReadsAsItsEntries() throws IOException {
    assumeTrue(Files.isRegularFile(DICTIONARY), "no " + DICTIONARY.toAbsolutePath());
    String text = Files.readString(DICTIONARY);
    // an independent count: runs of lines that are empty or only spaces split the entries
    int expected = text.strip().split("\\n(?:[ \\t]*\\n)+").length;
    List<DataRecord.Text> entries = PlainTextReader.read(DICTIONARY, PlainTextReader.Split.BLANK_LINES);
    assertEquals(expected, entries.size());
    assertTrue(entries.size() > 900, "entries: " + entries.size());
    assertTrue(entries.stream().anyMatch(e -> e.text().startsWith("ABSTAINER, n.")));

    FineTuneData data = FineTuneData.load(DICTIONARY, new FakeTokenizer(), null, FineTuneData.Options.builder().build());
    DataCounts train = data.trainCounts(128);
    DataCounts validation = data.validationCounts(128);
    assertEquals(entries.size(), train.examples() + validation.examples());
    assertEquals(Math.round(entries.size() * 0.1), validation.examples());
    data.requireOneBatch(16, 128);
    Batch b = data.train().next(new Rng(1), 16, 128);
    assertEquals(16 * 128, b.scoredCount());
  }
}
