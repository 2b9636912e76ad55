package org.jlora.examples.gpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import org.jlora.examples.model.gpt2.Gpt2Config;
import org.jlora.lora.io.AtomicFiles;

/**
 * The shape of a {@link Gpt}: vocabulary, context length, depth, heads, width, dropout. Named
 * configs: {@code tiny} (4 layers, 4 heads, 128 dims, block 128) and {@code small} (6/6/384, block
 * 256), plus {@code nano} (2/2/32, block 16) for tests. Saved beside a checkpoint as
 * {@code config.json} with nanoGPT's key names.
 */
public record GptConfig(int vocabSize, int blockSize, int nLayer, int nHead, int nEmbd, float dropout) {

  /** Validates the shape: every size positive, the width divisible by the head count. */
  public GptConfig {
    if (vocabSize < 1 || blockSize < 1 || nLayer < 1 || nHead < 1 || nEmbd < 1) {
      throw new IllegalArgumentException("GptConfig: every size must be >= 1, got " + describe(vocabSize, blockSize,
          nLayer, nHead, nEmbd, dropout));
    }
    if (nEmbd % nHead != 0) {
      throw new IllegalArgumentException("GptConfig: n_embd " + nEmbd + " must divide by n_head " + nHead);
    }
    if (!(dropout >= 0f && dropout < 1f)) {
      throw new IllegalArgumentException("GptConfig: dropout must be in [0, 1), got " + dropout);
    }
  }

  /** The names {@link #named} knows. */
  public static List<String> names() {
    return List.of("nano", "tiny", "small");
  }

  /** A named config for a vocabulary of {@code vocabSize} tokens, without dropout. */
  public static GptConfig named(String name, int vocabSize) {
    return switch (name) {
      case "nano" -> new GptConfig(vocabSize, 16, 2, 2, 32, 0f);
      case "tiny" -> new GptConfig(vocabSize, 128, 4, 4, 128, 0f);
      case "small" -> new GptConfig(vocabSize, 256, 6, 6, 384, 0f);
      default -> throw new IllegalArgumentException("unknown model config '" + name + "'; choose one of " + names());
    };
  }

  public GptConfig withDropout(float p) {
    return new GptConfig(vocabSize, blockSize, nLayer, nHead, nEmbd, p);
  }

  public GptConfig withBlockSize(int t) {
    return new GptConfig(vocabSize, t, nLayer, nHead, nEmbd, dropout);
  }

  /** The same shape as a GPT-2 config: n_positions = block size, MLP 4x wide, LayerNorm eps 1e-5. */
  public Gpt2Config toGpt2Config() {
    return new Gpt2Config(vocabSize, blockSize, nEmbd, nLayer, nHead, 4 * nEmbd, 1e-5f, dropout);
  }

  /** The width of one attention head. */
  public int headSize() {
    return nEmbd / nHead;
  }

  /** nanoGPT's keys: vocab_size, block_size, n_layer, n_head, n_embd, dropout. */
  public String toJson() {
    ObjectMapper json = new ObjectMapper();
    ObjectNode o = json.createObjectNode();
    o.put("vocab_size", vocabSize);
    o.put("block_size", blockSize);
    o.put("n_layer", nLayer);
    o.put("n_head", nHead);
    o.put("n_embd", nEmbd);
    o.put("dropout", dropout);
    try {
      return json.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Parses {@link #toJson}'s form; {@code source} names the file in errors. */
  public static GptConfig fromJson(String text, String source) {
    JsonNode o;
    try {
      o = new ObjectMapper().readTree(text);
    } catch (IOException e) {
      throw new IllegalArgumentException(source + ": not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
    }
    if (o == null || !o.isObject()) throw new IllegalArgumentException(source + ": expected a JSON object");
    try {
      return new GptConfig(intField(o, "vocab_size", source), intField(o, "block_size", source),
          intField(o, "n_layer", source), intField(o, "n_head", source), intField(o, "n_embd", source),
          o.has("dropout") ? (float) o.get("dropout").asDouble() : 0f);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  private static int intField(JsonNode o, String key, String source) {
    JsonNode v = o.get(key);
    if (v == null || !v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException(source + ": missing or non-integer field '" + key + "'");
    }
    return v.asInt();
  }

  /** Writes {@link #toJson} atomically. */
  public void save(Path file) throws IOException {
    AtomicFiles.writeString(file, toJson());
  }

  /** Reads a config file; a missing file gets a message saying which. */
  public static GptConfig load(Path file) throws IOException {
    try {
      return fromJson(Files.readString(file), file.toString());
    } catch (NoSuchFileException e) {
      throw new NoSuchFileException(file + " (no model config here: is this a checkpoint directory?)");
    }
  }

  @Override
  public String toString() {
    return describe(vocabSize, blockSize, nLayer, nHead, nEmbd, dropout);
  }

  private static String describe(int v, int t, int l, int h, int c, float p) {
    return "GptConfig(vocab " + v + ", block " + t + ", " + l + " layers, " + h + " heads, " + c + " dims, dropout "
        + p + ")";
  }
}
