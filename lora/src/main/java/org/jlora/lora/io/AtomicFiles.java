package org.jlora.lora.io;

import java.io.BufferedOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Writes files so that a reader sees either the old content or the complete new content, never a
 * half-written file: a crash or an exception midway leaves the target as it was.
 *
 * <p>The body writes into a temporary file in the target's directory (same file system, so the
 * final rename cannot turn into a copy); the temporary file is flushed and fsynced, then renamed
 * over the target with {@link StandardCopyOption#ATOMIC_MOVE}. Only where the file system refuses
 * atomic moves does it fall back to {@link StandardCopyOption#REPLACE_EXISTING}. On any failure the
 * temporary file is deleted. The new file gets default permissions, not the old file's.
 *
 * <pre>{@code
 * AtomicFiles.write(checkpoint, out -> out.write(bytes));
 * AtomicFiles.writeString(configJson, mapper.writeValueAsString(config));
 * }</pre>
 */
public final class AtomicFiles {
  private static final int BUFFER_BYTES = 1 << 16;
  private static final String TEMP_SUFFIX = ".tmp";

  private AtomicFiles() {}

  /**
   * Replaces {@code target} atomically with what {@code body} writes. The stream handed to the
   * body is buffered; closing it is allowed and only flushes.
   *
   * @throws IOException what the body or the file system threw; {@code target} is then unchanged
   */
  public static void write(Path target, IoConsumer<OutputStream> body) throws IOException {
    Path absolute = target.toAbsolutePath();
    Path dir = absolute.getParent();
    Path temp = createTempSibling(absolute);
    try {
      try (FileChannel channel = FileChannel.open(temp, StandardOpenOption.WRITE)) {
        OutputStream out = new BufferedOutputStream(Channels.newOutputStream(channel), BUFFER_BYTES);
        body.accept(closeShield(out));
        out.flush();
        // The data must be on disk before the rename makes it visible, or a crash could expose
        // a renamed but empty file.
        channel.force(true);
      }
      move(temp, absolute);
    } catch (IOException | RuntimeException | Error e) {
      try {
        Files.deleteIfExists(temp);
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
    fsyncDirectory(dir);
  }

  /** Replaces {@code target} atomically with {@code text} encoded as UTF-8. */
  public static void writeString(Path target, String text) throws IOException {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    write(target, out -> out.write(bytes));
  }

  /** A fresh file beside {@code target}, named {@code .<target>.<random>.tmp} (hidden on Unix). */
  private static Path createTempSibling(Path target) throws IOException {
    String base = "." + target.getFileName() + ".";
    for (int attempt = 0; ; attempt++) {
      Path temp = target.resolveSibling(base + Long.toHexString(ThreadLocalRandom.current().nextLong()) + TEMP_SUFFIX);
      try {
        // CREATE_NEW honours the umask, unlike Files.createTempFile's owner-only permissions.
        Files.newByteChannel(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE).close();
        return temp;
      } catch (FileAlreadyExistsException e) {
        if (attempt >= 10) throw e;
      }
    }
  }

  private static void move(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  /**
   * Makes the rename itself durable. Best effort: some platforms (Windows) cannot open a
   * directory as a channel, and the file content is already safe by then.
   */
  private static void fsyncDirectory(Path dir) {
    try (FileChannel channel = FileChannel.open(dir, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException | UnsupportedOperationException e) {
      // not supported here; the rename is still atomic, only its durability is up to the OS
    }
  }

  /** Lets a body close "its" stream without closing the channel we still have to fsync. */
  private static OutputStream closeShield(OutputStream out) {
    return new FilterOutputStream(out) {
      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        out.write(b, off, len);
      }

      @Override
      public void close() throws IOException {
        out.flush();
      }
    };
  }
}
