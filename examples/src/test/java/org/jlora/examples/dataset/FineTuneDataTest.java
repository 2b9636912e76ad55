package org.jlora.examples.dataset;

import static org.jlora.examples.dataset.PlainTextReaderTest.resource;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.engine.Rng;
import org.jlora.examples.data.Batch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FineTuneDataTest {
  @TempDir Path dir;

  @Test
  void aPlainTextFileBecomesPackedTrainingAndValidationBatches() throws IOException {
    FineTuneData data = FineTuneData.load(resource("paragraphs.txt"), new FakeTokenizer(), null,
        FineTuneData.Options.builder().validationFraction(0.3).seed(3).build());
    // three documents: one held out, two trained on; every token of text is scored
    DataCounts train = data.trainCounts(8);
    DataCounts validation = data.validationCounts(8);
    assertEquals(2, train.examples());
    assertEquals(1, validation.examples());
    assertEquals(train.tokens(), train.scoredTokens());
    long chars = "ABSTAINER, n.  A weak person who yields\nto the temptation of denying himself a pleasure.".length()
        + "ABSURDITY, n.  A statement of belief".length() + "ACADEME, n.  An ancient school.".length();
    assertEquals(chars + 3 * 2, train.tokens() + validation.tokens(), "each document gets a BOS and an EOS");
    assertInstanceOf(PackedBatches.class, data.train());
    Batch b = data.train().next(new Rng(1), 2, 8);
    assertEquals(16, b.scoredCount());
  }

  @Test
  void aJsonlFileWithASeparateValidationFileAndPaddedRows() throws IOException {
    Path validationFile = dir.resolve("val.jsonl");
    Files.writeString(validationFile, "{\"prompt\": \"1+1=\", \"completion\": \"2\"}\n");
    FineTuneData data = FineTuneData.load(resource("prompt-completion.jsonl"), new FakeTokenizer(), null,
        FineTuneData.Options.builder().layout(FineTuneData.Layout.PADDED).validationFile(validationFile).padId(0).build());
    assertEquals(new DataCounts(2, 14, 4, 0, 0), data.trainCounts(16));
    assertEquals(new DataCounts(1, 7, 2, 0, 0), data.validationCounts(16));
    Batch v = data.validation().next(new Rng(1), 1, 8);
    assertEquals(2, v.scoredCount(), "the completion and its EOS");
  }

  @Test
  void tooSmallDataIsRefusedBeforeTrainingWithTheCounts() throws IOException {
    FineTuneData data = FineTuneData.load(resource("paragraphs.txt"), new FakeTokenizer(), null,
        FineTuneData.Options.builder().validationFraction(0.3).build());
    DataFileException e = assertThrows(DataFileException.class, () -> data.requireOneBatch(64, 128));
    assertTrue(e.getMessage().matches(".*paragraphs\\.txt: has \\d+ tokens \\(\\d+ scored\\), which pack into 0 windows of "
        + "129 tokens with something to learn; one batch of 64 rows needs at least 8193 tokens .*"), e.getMessage());
  }

  @Test
  void conversationsNeedAChatTemplate() throws IOException {
    DataFileException e = assertThrows(DataFileException.class, () -> FineTuneData.load(resource("chat.jsonl"),
        new FakeTokenizer(), null, FineTuneData.Options.builder().build()));
    assertTrue(e.getMessage().contains("chat.jsonl line 1: a \"messages\" record needs the model's chat template"));
    FineTuneData data = FineTuneData.load(resource("chat.jsonl"), new FakeTokenizer(), ExampleEncoderTest.CHATML,
        FineTuneData.Options.builder().validationFraction(0.5).build());
    assertEquals(1, data.trainCounts(64).examples());
  }

  @Test
  void aJsonFileIsRefusedWithWhatToDo() throws IOException {
    Path file = dir.resolve("train.json");
    Files.writeString(file, "[{\"text\": \"a\"}]\n");
    DataFileException e = assertThrows(DataFileException.class, () -> FineTuneData.load(file, new FakeTokenizer(), null,
        FineTuneData.Options.builder().build()));
    assertEquals(file + ": a .json file is not read; write one JSON object a line to a .jsonl file (JSON Lines), or "
        + "rename a plain text file to .txt", e.getMessage());
  }
}
