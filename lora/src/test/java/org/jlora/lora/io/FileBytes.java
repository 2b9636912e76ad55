package org.jlora.lora.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Builds safetensors files byte by byte, so tests do not depend on the writer they check. */
final class FileBytes {
  private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();

  /** An 8-byte little-endian header length, then {@code json} as UTF-8 (unpadded). */
  static FileBytes withHeader(String json) {
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    return new FileBytes().u64(header.length).raw(header);
  }

  FileBytes u64(long v) {
    return raw(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array());
  }

  FileBytes u16(int... values) {
    for (int v : values) raw(new byte[] {(byte) v, (byte) (v >>> 8)});
    return this;
  }

  FileBytes f32(float... values) {
    ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (float v : values) b.putFloat(v);
    return raw(b.array());
  }

  FileBytes f64(double... values) {
    ByteBuffer b = ByteBuffer.allocate(8 * values.length).order(ByteOrder.LITTLE_ENDIAN);
    for (double v : values) b.putDouble(v);
    return raw(b.array());
  }

  FileBytes zeros(int n) {
    return raw(new byte[n]);
  }

  FileBytes ascii(String s) {
    return raw(s.getBytes(StandardCharsets.UTF_8));
  }

  FileBytes raw(byte[] b) {
    bytes.writeBytes(b);
    return this;
  }

  byte[] toArray() {
    return bytes.toByteArray();
  }

  Path writeTo(Path file) {
    try {
      return Files.write(file, toArray());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
