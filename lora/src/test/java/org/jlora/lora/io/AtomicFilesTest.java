package org.jlora.lora.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AtomicFilesTest {
  @TempDir Path dir;

  private List<String> filesInDir() throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  @Test
  void writesANewFileAndLeavesNothingElse() throws IOException {
    Path target = dir.resolve("config.json");
    AtomicFiles.writeString(target, "{\"r\": 8, \"name\": \"ünïcødé\"}");
    assertEquals("{\"r\": 8, \"name\": \"ünïcødé\"}", Files.readString(target, StandardCharsets.UTF_8));
    assertEquals(List.of("config.json"), filesInDir());
  }

  @Test
  void replacesAnExistingFile() throws IOException {
    Path target = dir.resolve("ckpt.bin");
    Files.write(target, new byte[1000]);
    AtomicFiles.write(target, out -> out.write(new byte[] {1, 2, 3}));
    assertArrayEquals(new byte[] {1, 2, 3}, Files.readAllBytes(target));
    assertEquals(List.of("ckpt.bin"), filesInDir());
  }

  @Test
  void bodyThrowingMidwayLeavesOldFileIntactAndNoTempFile() throws IOException {
    Path target = dir.resolve("ckpt.bin");
    Files.writeString(target, "old content");
    IOException boom = new IOException("disk on fire");
    IOException thrown = assertThrows(IOException.class, () -> AtomicFiles.write(target, out -> {
      out.write(new byte[200_000]); // more than the buffer, so bytes really reached the temp file
      throw boom;
    }));
    assertSame(boom, thrown);
    assertEquals("old content", Files.readString(target));
    assertEquals(List.of("ckpt.bin"), filesInDir());
  }

  @Test
  void runtimeExceptionInBodyAlsoCleansUp() throws IOException {
    Path target = dir.resolve("new.bin");
    assertThrows(IllegalStateException.class, () -> AtomicFiles.write(target, out -> {
      out.write(42);
      throw new IllegalStateException("bug in the serializer");
    }));
    assertFalse(Files.exists(target));
    assertEquals(List.of(), filesInDir());
  }

  @Test
  void bodyMayCloseItsStream() throws IOException {
    Path target = dir.resolve("closed.txt");
    AtomicFiles.write(target, out -> {
      out.write("hello".getBytes(StandardCharsets.UTF_8));
      out.close();
    });
    assertEquals("hello", Files.readString(target));
  }

  @Test
  void targetThatIsADirectoryFailsAndCleansUp() throws IOException {
    Path target = Files.createDirectory(dir.resolve("sub"));
    Files.writeString(target.resolve("inside"), "x");
    assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "content"));
    assertEquals(List.of("sub"), filesInDir());
    assertEquals("x", Files.readString(target.resolve("inside")));
  }

  @Test
  void missingParentDirectoryIsAnIoException() {
    Path target = dir.resolve("no/such/dir/file.txt");
    assertThrows(IOException.class, () -> AtomicFiles.writeString(target, "content"));
    assertFalse(Files.exists(target));
  }
}
