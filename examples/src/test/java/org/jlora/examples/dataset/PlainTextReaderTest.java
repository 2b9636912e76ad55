package org.jlora.examples.dataset;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlainTextReaderTest {
  @TempDir Path dir;

  static Path resource(String name) {
    try {
      return Path.of(PlainTextReaderTest.class.getResource("/dataset/" + name).toURI());
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void blankLinesSeparateDocumentsThatKeepTheirInnerLineBreaks() throws IOException {
    List<DataRecord.Text> docs = PlainTextReader.read(resource("paragraphs.txt"), PlainTextReader.Split.BLANK_LINES);
    assertEquals(3, docs.size());
    assertEquals("ABSTAINER, n.  A weak person who yields\nto the temptation of denying himself a pleasure.", docs.get(0).text());
    assertEquals(1, docs.get(0).line());
    assertEquals("ABSURDITY, n.  A statement of belief", docs.get(1).text());
    assertEquals(5, docs.get(1).line());
    // a line of spaces separates like an empty one
    assertEquals("ACADEME, n.  An ancient school.", docs.get(2).text());
    assertEquals(7, docs.get(2).line());
  }

  @Test
  void onePerLineMakesEachNonBlankLineADocument() throws IOException {
    List<DataRecord.Text> docs = PlainTextReader.read(resource("paragraphs.txt"), PlainTextReader.Split.LINES);
    assertEquals(List.of(1, 2, 5, 7), docs.stream().map(DataRecord.Text::line).toList());
    assertEquals("to the temptation of denying himself a pleasure.", docs.get(1).text());
  }

  @Test
  void anEmptyOrBlankFileIsAnError() throws IOException {
    Path file = dir.resolve("blank.txt");
    Files.writeString(file, "\n  \n\n");
    for (PlainTextReader.Split split : PlainTextReader.Split.values()) {
      DataFileException e = assertThrows(DataFileException.class, () -> PlainTextReader.read(file, split));
      assertEquals(file + ": has no text (it is empty or only blank lines)", e.getMessage());
    }
  }

  @Test
  void malformedUtf8IsAnErrorWithTheLine() throws IOException {
    Path file = dir.resolve("bad.txt");
    Files.write(file, new byte[] {'a', '\n', '\n', 'b', (byte) 0xFF, '\n'});
    DataFileException e = assertThrows(DataFileException.class,
        () -> PlainTextReader.read(file, PlainTextReader.Split.BLANK_LINES));
    assertEquals(3, e.line());
    assertTrue(e.getMessage().contains("not valid UTF-8 at byte offset 4"), e.getMessage());
  }
}
