package org.jlora.examples.dataset;

import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A text file read line by line as strict UTF-8, with a bound on a line's length.
 *
 * <p>Why not {@link java.io.BufferedReader#readLine()}: it grows a line without limit (a file with
 * no newline in 10 GB exhausts the heap before we can say anything), and its decoder either
 * replaces bad bytes silently or fails without saying where. Here a line is collected as bytes up
 * to {@code maxLineBytes}, then decoded strictly, so an error can name the line and the byte
 * offset in the file. A line ends at '\n'; a '\r' before it (Windows files) and a UTF-8 byte
 * order mark at the start of the file are dropped.
 */
public final class Utf8Lines implements Closeable {
  /** The default longest line: generous for one JSON record, small enough to fail early. */
  public static final int DEFAULT_MAX_LINE_BYTES = 64 << 20;

  private final String file;
  private final InputStream in;
  private final int maxLineBytes;
  private final CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
      .onMalformedInput(CodingErrorAction.REPORT)
      .onUnmappableCharacter(CodingErrorAction.REPORT);
  private final byte[] buffer = new byte[1 << 16];   // read ahead, so a byte costs no call to the stream
  private int bufferPosition;
  private int bufferLimit;
  private byte[] lineBytes = new byte[256];
  private int lineNumber;        // of the line last returned, 1-based
  private long offset;           // bytes of the file consumed so far
  private boolean atEnd;

  private Utf8Lines(String file, InputStream in, int maxLineBytes) {
    if (maxLineBytes <= 0) throw new IllegalArgumentException("maxLineBytes must be positive, got " + maxLineBytes);
    this.file = file;
    this.in = in;
    this.maxLineBytes = maxLineBytes;
  }

  /** Opens {@code path}; a missing path or a directory is a {@link DataFileException} that says so. */
  public static Utf8Lines open(Path path, int maxLineBytes) throws IOException {
    if (!Files.exists(path)) throw new NoSuchFileException(path.toString(), null, "no data file here");
    if (!Files.isRegularFile(path)) throw new DataFileException(path, "is not a regular file (give a text or .jsonl file)");
    return new Utf8Lines(path.toString(), Files.newInputStream(path), maxLineBytes);
  }

  public static Utf8Lines open(Path path) throws IOException {
    return open(path, DEFAULT_MAX_LINE_BYTES);
  }

  /** Lines of an in-memory stream, {@code name} standing for the file in messages (tests). */
  public static Utf8Lines of(String name, InputStream in, int maxLineBytes) {
    return new Utf8Lines(name, in, maxLineBytes);
  }

  /** The name messages use for this file. */
  public String file() {
    return file;
  }

  /** The 1-based number of the line {@link #next()} returned last (0 before the first). */
  public int lineNumber() {
    return lineNumber;
  }

  /** The next line without its line break, or null at the end of the file. */
  public String next() throws IOException {
    if (atEnd) return null;
    long lineStart = offset;
    int length = 0;
    int b;
    while ((b = nextByte()) != -1) {
      offset++;
      if (b == '\n') break;
      if (length == maxLineBytes) {
        throw new DataFileException(file, lineNumber + 1, "the line is longer than " + describeBytes(maxLineBytes)
            + "; a record must fit on one line of at most that size (split the record, or check the file is line-separated)");
      }
      if (length == lineBytes.length) lineBytes = Arrays.copyOf(lineBytes, (int) Math.min((long) length * 2, maxLineBytes));
      lineBytes[length++] = (byte) b;
    }
    if (b == -1) {
      atEnd = true;
      if (length == 0) return null;   // the file ended with a newline (or is empty): no further line
    }
    lineNumber++;
    int start = 0;
    if (lineNumber == 1 && length >= 3 && (lineBytes[0] & 0xFF) == 0xEF && (lineBytes[1] & 0xFF) == 0xBB
        && (lineBytes[2] & 0xFF) == 0xBF) {
      start = 3;   // a byte order mark, as some Windows editors write
    }
    if (length > start && lineBytes[length - 1] == '\r') length--;
    return decode(start, length, lineStart);
  }

  private int nextByte() throws IOException {
    if (bufferPosition == bufferLimit) {
      int n = in.read(buffer, 0, buffer.length);
      if (n <= 0) return -1;
      bufferPosition = 0;
      bufferLimit = n;
    }
    return buffer[bufferPosition++] & 0xFF;
  }

  private String decode(int start, int end, long lineStart) throws DataFileException {
    ByteBuffer bytes = ByteBuffer.wrap(lineBytes, start, end - start);
    CharBuffer chars = CharBuffer.allocate(end - start);   // UTF-8 never has more chars than bytes
    decoder.reset();
    CoderResult result = decoder.decode(bytes, chars, true);
    if (!result.isError()) result = decoder.flush(chars);
    if (result.isError()) {
      long badOffset = lineStart + bytes.position();
      throw new DataFileException(file, lineNumber, "not valid UTF-8 at byte offset " + badOffset + " of the file (column "
          + (bytes.position() + 1) + " of the line, in bytes); save the file as UTF-8");
    }
    chars.flip();
    return chars.toString();
  }

  static String describeBytes(long bytes) {
    if (bytes >= (1 << 20) && bytes % (1 << 20) == 0) return (bytes >> 20) + " MiB";
    if (bytes >= (1 << 10) && bytes % (1 << 10) == 0) return (bytes >> 10) + " KiB";
    return bytes + " bytes";
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
