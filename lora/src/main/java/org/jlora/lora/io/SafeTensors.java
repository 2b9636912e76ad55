package org.jlora.lora.io;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.jlora.engine.Tensor;

/**
 * Reads and writes the safetensors format (https://github.com/huggingface/safetensors):
 *
 * <pre>
 * [8 bytes]  N, the header length, unsigned little-endian
 * [N bytes]  UTF-8 JSON: {"__metadata__": {str: str},
 *                         "name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]}, ...}
 *            padded with spaces so the data starts 8-byte aligned
 * [rest]     the tensors' bytes, little-endian, row-major; offsets count from the byte after the header
 * </pre>
 *
 * <p>The writer produces what the reference implementation produces for F32 tensors: compact JSON
 * with {@code __metadata__} first, tensors ordered by name (compared as UTF-8 bytes, as Rust
 * compares strings), data in that order, and the file replaced atomically ({@link AtomicFiles}).
 *
 * <pre>{@code
 * SafeTensors.write(path, Map.of("fc.lora_A.weight", a, "fc.lora_B.weight", b), Map.of("format", "pt"));
 * Map<String, Tensor> loaded = SafeTensors.readAll(path);
 * }</pre>
 */
public final class SafeTensors {
  private static final int HEADER_ALIGNMENT = 8;
  private static final int WRITE_CHUNK_FLOATS = 1 << 14;

  private SafeTensors() {}

  /** Opens and validates {@code file}; tensors are decoded when asked for. Close it after use. */
  public static SafeTensorsFile open(Path file) throws IOException {
    return SafeTensorsFile.open(file);
  }

  /** Every tensor of {@code file} as float32, in file order. */
  public static Map<String, Tensor> readAll(Path file) throws IOException {
    try (SafeTensorsFile f = open(file)) {
      Map<String, Tensor> out = new LinkedHashMap<>();
      for (String name : f.names()) out.put(name, f.tensor(name));
      return out;
    }
  }

  /** Writes {@code tensors} as F32 with no metadata. */
  public static void write(Path file, Map<String, Tensor> tensors) throws IOException {
    write(file, tensors, Map.of());
  }

  /**
   * Writes {@code tensors} as F32, with {@code metadata} (may be null or empty, then omitted) as
   * {@code __metadata__}; the file is replaced atomically.
   */
  public static void write(Path file, Map<String, Tensor> tensors, Map<String, String> metadata) throws IOException {
    List<String> names = sortedNames(file, tensors);
    byte[] header = headerBytes(file, names, tensors, metadata == null ? Map.of() : metadata);
    AtomicFiles.write(file, out -> {
      out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(header.length).array());
      out.write(header);
      for (String name : names) writeFloats(out, tensors.get(name));
    });
  }

  private static List<String> sortedNames(Path file, Map<String, Tensor> tensors) {
    List<String> names = new ArrayList<>();
    for (var e : tensors.entrySet()) {
      if (e.getKey() == null) throw new IllegalArgumentException("SafeTensors.write " + file + ": a tensor name is null");
      if (e.getKey().equals(SafeTensorsHeader.METADATA_KEY)) {
        throw new IllegalArgumentException("SafeTensors.write " + file + ": '" + SafeTensorsHeader.METADATA_KEY
            + "' is reserved and cannot name a tensor");
      }
      if (e.getValue() == null) {
        throw new IllegalArgumentException("SafeTensors.write " + file + ": tensor '" + e.getKey() + "' is null");
      }
      names.add(e.getKey());
    }
    names.sort((a, b) -> Arrays.compareUnsigned(a.getBytes(StandardCharsets.UTF_8), b.getBytes(StandardCharsets.UTF_8)));
    return names;
  }

  /** The JSON header, padded with spaces to a multiple of 8 bytes. */
  private static byte[] headerBytes(Path file, List<String> names, Map<String, Tensor> tensors,
      Map<String, String> metadata) throws IOException {
    ObjectNode root = SafeTensorsHeader.JSON.createObjectNode();
    if (!metadata.isEmpty()) {
      ObjectNode meta = root.putObject(SafeTensorsHeader.METADATA_KEY);
      // The reference writes a hash map in arbitrary order; sorted keys make our files reproducible.
      for (var e : new TreeMap<>(metadata).entrySet()) {
        if (e.getValue() == null) {
          throw new IllegalArgumentException("SafeTensors.write " + file + ": metadata '" + e.getKey() + "' is null");
        }
        meta.put(e.getKey(), e.getValue());
      }
    }
    long offset = 0;
    for (String name : names) {
      Tensor t = tensors.get(name);
      long end = offset + (long) t.size() * DType.F32.byteSize();
      ObjectNode info = root.putObject(name);
      info.put("dtype", DType.F32.name());
      ArrayNode shape = info.putArray("shape");
      for (int d : t.shape()) shape.add(d);
      info.putArray("data_offsets").add(offset).add(end);
      offset = end;
    }
    byte[] json = SafeTensorsHeader.JSON.writeValueAsBytes(root);
    int padded = (json.length + HEADER_ALIGNMENT - 1) / HEADER_ALIGNMENT * HEADER_ALIGNMENT;
    byte[] header = Arrays.copyOf(json, padded);
    Arrays.fill(header, json.length, padded, (byte) ' ');
    return header;
  }

  // t: [..] row-major floats -> little-endian bytes, a bounded chunk at a time
  private static void writeFloats(OutputStream out, Tensor t) throws IOException {
    ByteBuffer bytes = ByteBuffer.allocate(WRITE_CHUNK_FLOATS * Float.BYTES).order(ByteOrder.LITTLE_ENDIAN);
    FloatBuffer floats = bytes.asFloatBuffer();
    float[] data = t.data();
    for (int done = 0; done < t.size(); ) {
      int n = Math.min(WRITE_CHUNK_FLOATS, t.size() - done);
      floats.clear();
      floats.put(data, t.offset() + done, n);
      out.write(bytes.array(), 0, n * Float.BYTES);
      done += n;
    }
  }
}
