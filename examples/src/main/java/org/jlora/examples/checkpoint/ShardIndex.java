package org.jlora.examples.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The index of a sharded checkpoint, {@code model.safetensors.index.json}: which shard file holds
 * each tensor. Hugging Face splits large models this way ({@code save_pretrained} with
 * {@code max_shard_size}):
 *
 * <pre>
 * {"metadata": {"total_size": 2200000000},
 *  "weight_map": {"lm_head.weight": "model-00002-of-00002.safetensors",
 *                 "model.embed_tokens.weight": "model-00001-of-00002.safetensors", ...}}
 * </pre>
 *
 * Only {@code weight_map} matters for reading; {@code metadata} is informational and ignored.
 */
record ShardIndex(Path file, Map<String, String> shardOfTensor) {
  static final String WEIGHT_MAP = "weight_map";

  ShardIndex {
    shardOfTensor = Collections.unmodifiableMap(new LinkedHashMap<>(shardOfTensor));
  }

  /**
   * Reads and checks {@code file}: a {@code weight_map} object of tensor name to shard file name,
   * each shard a plain file name in the same directory (never a path that leaves it).
   */
  static ShardIndex read(Path file) throws IOException {
    JsonNode map = JsonFiles.readObject(file).get(WEIGHT_MAP);
    if (map == null || !map.isObject()) {
      throw new IOException(file + ": key '" + WEIGHT_MAP + "' must be an object {tensor name: shard file}, found "
          + JsonFiles.describe(map));
    }
    if (map.isEmpty()) throw new IOException(file + ": '" + WEIGHT_MAP + "' is empty; the index names no tensors");
    Map<String, String> shardOfTensor = new LinkedHashMap<>();
    for (var it = map.fields(); it.hasNext(); ) {
      var entry = it.next();
      JsonNode shard = entry.getValue();
      if (!shard.isTextual() || !isPlainFileName(shard.textValue())) {
        throw new IOException(file + ": tensor '" + entry.getKey() + "' maps to " + shard
            + "; a shard must be a file name in the index's own directory");
      }
      shardOfTensor.put(entry.getKey(), shard.textValue());
    }
    return new ShardIndex(file, shardOfTensor);
  }

  /** "model-00001-of-00002.safetensors" yes; "", ".", "..", "sub/x", "/etc/x" no. */
  private static boolean isPlainFileName(String name) {
    if (name.isEmpty() || name.equals(".") || name.equals("..")) return false;
    return name.indexOf('/') < 0 && name.indexOf('\\') < 0 && name.indexOf('\0') < 0;
  }
}
