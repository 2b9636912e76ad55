package org.jlora.examples.dataset;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A plain UTF-8 text file as documents to learn in full. By default documents are separated by
 * blank lines (lines of only spaces count as blank), so a paragraph or a dictionary entry is one
 * example and keeps its inner line breaks; with {@link Split#LINES} each non-blank line is one
 * document (a list of sentences, one example a line).
 */
public final class PlainTextReader {
  /** Where one document ends and the next begins. */
  public enum Split {
    /** Documents separated by one or more blank lines. */
    BLANK_LINES,
    /** One document per non-blank line. */
    LINES
  }

  private PlainTextReader() {}

  /** The documents of {@code file}; an empty file or one of only blank lines is an error. */
  public static List<DataRecord.Text> read(Path file, Split split) throws IOException {
    try (Utf8Lines lines = Utf8Lines.open(file)) {
      return read(lines, split);
    }
  }

  /** The documents of already opened lines (tests pass a small bound on a line's length). */
  public static List<DataRecord.Text> read(Utf8Lines lines, Split split) throws IOException {
    List<DataRecord.Text> documents = new ArrayList<>();
    StringBuilder document = new StringBuilder();
    int documentLine = 0;   // where the document being collected starts; 0 when none is open
    String line;
    while ((line = lines.next()) != null) {
      boolean blank = line.isBlank();
      if (split == Split.LINES) {
        if (!blank) documents.add(new DataRecord.Text(lines.file(), lines.lineNumber(), line));
        continue;
      }
      if (blank) {
        if (documentLine > 0) documents.add(new DataRecord.Text(lines.file(), documentLine, document.toString()));
        document.setLength(0);
        documentLine = 0;
      } else {
        if (documentLine == 0) {
          documentLine = lines.lineNumber();
        } else {
          document.append('\n');
        }
        document.append(line);
      }
    }
    if (documentLine > 0) documents.add(new DataRecord.Text(lines.file(), documentLine, document.toString()));
    if (documents.isEmpty()) throw new DataFileException(lines.file(), "has no text (it is empty or only blank lines)");
    return documents;
  }
}
