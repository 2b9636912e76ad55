package org.jlora.lora.io;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The parsed and validated JSON header of a safetensors file.
 *
 * <p>Validation follows the reference implementation: the header is a UTF-8 JSON object that
 * starts with '{'; {@code "__metadata__"} maps strings to strings; every other key is a tensor
 * with a known dtype, a shape of non-negative integers, and {@code data_offsets} of two integers;
 * sorted by offset, the tensors cover the data region exactly, in order, with no gap or overlap,
 * and each holds exactly product(shape) x dtype size bytes. Beyond the reference, duplicate keys
 * are rejected (a JSON map would silently keep the last).
 */
public final class SafeTensorsHeader {
  /** The JSON key for the free-form string map. */
  public static final String METADATA_KEY = "__metadata__";

  static final ObjectMapper JSON = new ObjectMapper()
      .enable(DeserializationFeature.FAIL_ON_READING_DUP_TREE_KEY);

  private final Map<String, String> metadata;
  private final Map<String, TensorInfo> tensors;

  private SafeTensorsHeader(Map<String, String> metadata, List<TensorInfo> inOffsetOrder) {
    this.metadata = Collections.unmodifiableMap(metadata);
    Map<String, TensorInfo> byName = new LinkedHashMap<>();
    for (TensorInfo t : inOffsetOrder) byName.put(t.name(), t);
    this.tensors = Collections.unmodifiableMap(byName);
  }

  /** The {@code __metadata__} map (empty if absent), keys sorted. */
  public Map<String, String> metadata() {
    return metadata;
  }

  /** The tensors by name, in the order of their data in the file. */
  public Map<String, TensorInfo> tensors() {
    return tensors;
  }

  /**
   * Parses {@code headerBytes} (the N bytes after the length prefix) of {@code file}, whose data
   * region holds {@code dataLength} bytes.
   *
   * @throws SafeTensorsFormatException naming the file and key at fault
   */
  public static SafeTensorsHeader parse(Path file, byte[] headerBytes, long dataLength)
      throws SafeTensorsFormatException {
    String text = decodeUtf8(file, headerBytes);
    if (text.isEmpty() || text.charAt(0) != '{') {
      String start = text.isEmpty() ? "nothing (empty header)" : "'" + text.charAt(0) + "'";
      throw new SafeTensorsFormatException(file, null, "header is not a JSON object: it starts with " + start);
    }
    Map<String, String> metadata = new TreeMap<>();
    List<TensorInfo> tensors = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    try (JsonParser parser = JSON.createParser(text)) {
      parser.nextToken(); // START_OBJECT, checked above
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String key = parser.currentName();
        if (!seen.add(key)) throw new SafeTensorsFormatException(file, key, "duplicate key in the header");
        parser.nextToken();
        JsonNode value = parser.readValueAsTree();
        if (key.equals(METADATA_KEY)) {
          metadata.putAll(parseMetadata(file, value));
        } else {
          tensors.add(parseTensor(file, key, value));
        }
      }
      if (parser.nextToken() != null) {
        throw new SafeTensorsFormatException(file, null, "header has more JSON after its object");
      }
    } catch (JsonProcessingException e) {
      throw new SafeTensorsFormatException(file, null, "header is not valid JSON: " + e.getOriginalMessage(), e);
    } catch (SafeTensorsFormatException e) {
      throw e;
    } catch (IOException e) {
      // cannot happen when parsing a String, but the parser's API declares it
      throw new SafeTensorsFormatException(file, null, "header could not be parsed: " + e.getMessage(), e);
    }
    tensors.sort(Comparator.comparingLong(TensorInfo::begin).thenComparingLong(TensorInfo::end));
    checkLayout(file, tensors, dataLength);
    return new SafeTensorsHeader(metadata, tensors);
  }

  private static String decodeUtf8(Path file, byte[] bytes) throws SafeTensorsFormatException {
    try {
      return StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new SafeTensorsFormatException(file, null, "header is not valid UTF-8", e);
    }
  }

  private static Map<String, String> parseMetadata(Path file, JsonNode value) throws SafeTensorsFormatException {
    Map<String, String> out = new TreeMap<>();
    if (value == null || value.isNull()) return out; // the reference reads null as "no metadata"
    if (!value.isObject()) {
      throw new SafeTensorsFormatException(file, METADATA_KEY, "must be an object of strings, got " + value.getNodeType());
    }
    for (var it = value.fields(); it.hasNext(); ) {
      var entry = it.next();
      if (!entry.getValue().isTextual()) {
        throw new SafeTensorsFormatException(file, METADATA_KEY, "value of '" + entry.getKey()
            + "' must be a string, got " + entry.getValue().getNodeType() + " " + entry.getValue());
      }
      out.put(entry.getKey(), entry.getValue().textValue());
    }
    return out;
  }

  private static TensorInfo parseTensor(Path file, String name, JsonNode value) throws SafeTensorsFormatException {
    if (value == null || !value.isObject()) {
      throw new SafeTensorsFormatException(file, name, "tensor entry must be a JSON object, got " + describe(value));
    }
    JsonNode dtypeNode = value.get("dtype");
    if (dtypeNode == null || !dtypeNode.isTextual()) {
      throw new SafeTensorsFormatException(file, name, "'dtype' must be a string, got " + describe(dtypeNode));
    }
    DType dtype = DType.parse(dtypeNode.textValue()).orElseThrow(() -> new SafeTensorsFormatException(file, name,
        "unknown dtype '" + dtypeNode.textValue() + "' (known: " + Arrays.toString(DType.values()) + ")"));

    JsonNode shapeNode = value.get("shape");
    if (shapeNode == null || !shapeNode.isArray()) {
      throw new SafeTensorsFormatException(file, name, "'shape' must be an array of integers, got " + describe(shapeNode));
    }
    long[] shape = new long[shapeNode.size()];
    for (int i = 0; i < shape.length; i++) {
      shape[i] = nonNegativeLong(shapeNode.get(i));
      if (shape[i] < 0) {
        throw new SafeTensorsFormatException(file, name, "shape " + shapeNode + " has dimension " + shapeNode.get(i)
            + ", not a non-negative 64-bit integer");
      }
    }

    JsonNode offsets = value.get("data_offsets");
    long begin = offsets != null && offsets.isArray() && offsets.size() == 2 ? nonNegativeLong(offsets.get(0)) : -1;
    long end = begin >= 0 ? nonNegativeLong(offsets.get(1)) : -1;
    if (begin < 0 || end < 0) {
      throw new SafeTensorsFormatException(file, name, "'data_offsets' must be two non-negative integers [begin, end], got "
          + describe(offsets));
    }
    return new TensorInfo(name, dtype, shape, begin, end);
  }

  /** The value of an integral JSON number that fits a non-negative long, else -1. */
  private static long nonNegativeLong(JsonNode n) {
    if (n == null || !n.isIntegralNumber() || !n.canConvertToLong()) return -1;
    return Math.max(-1, n.longValue());
  }

  private static String describe(JsonNode n) {
    return n == null ? "nothing (missing)" : n.toString();
  }

  /** The tensors, sorted by offset, must tile {@code [0, dataLength)} exactly. */
  private static void checkLayout(Path file, List<TensorInfo> sorted, long dataLength) throws SafeTensorsFormatException {
    long expectedBegin = 0;
    String previous = null;
    for (TensorInfo t : sorted) {
      String offsets = "data_offsets [" + t.begin() + ", " + t.end() + "]";
      if (t.end() < t.begin()) {
        throw new SafeTensorsFormatException(file, t.name(), offsets + ": end < begin");
      }
      if (t.begin() < expectedBegin) {
        throw new SafeTensorsFormatException(file, t.name(), offsets + " overlap tensor '" + previous
            + "', which ends at " + expectedBegin);
      }
      if (t.begin() > expectedBegin) {
        throw new SafeTensorsFormatException(file, t.name(), offsets + " are not contiguous: bytes ["
            + expectedBegin + ", " + t.begin() + ") before it belong to no tensor");
      }
      if (t.end() > dataLength) {
        throw new SafeTensorsFormatException(file, t.name(), offsets + " run past the end of the data region ("
            + dataLength + " bytes); is the file truncated?");
      }
      long expectedBytes;
      try {
        expectedBytes = Math.multiplyExact(t.elementCount(), t.dtype().byteSize());
      } catch (ArithmeticException e) {
        throw new SafeTensorsFormatException(file, t.name(), "shape " + Arrays.toString(t.shape())
            + " overflows: its byte count does not fit in 64 bits");
      }
      if (t.byteCount() != expectedBytes) {
        throw new SafeTensorsFormatException(file, t.name(), offsets + " hold " + t.byteCount() + " bytes, but "
            + t.dtype() + " " + Arrays.toString(t.shape()) + " needs " + expectedBytes);
      }
      expectedBegin = t.end();
      previous = t.name();
    }
    if (expectedBegin != dataLength) {
      throw new SafeTensorsFormatException(file, previous, "the data region has " + dataLength
          + " bytes but the tensors cover only the first " + expectedBegin);
    }
  }
}
