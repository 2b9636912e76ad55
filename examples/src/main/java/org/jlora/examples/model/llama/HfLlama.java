package org.jlora.examples.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeSet;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.FiniteWeights;
import org.jlora.lora.io.AtomicFiles;
import org.jlora.lora.io.SafeTensors;

/**
 * Hugging Face directories of Llama-family models: {@code config.json} plus {@code model.safetensors}
 * or a sharded {@code model.safetensors.index.json} (F32, F16 or BF16 weights, read as float32).
 *
 * <pre>{@code
 * Llama m = HfLlama.load(Path.of("SmolLM2-135M"));
 * HfLlama.save(m, Path.of("out"));   // config.json + model.safetensors (F32)
 * }</pre>
 */
public final class HfLlama {
  private static final ObjectMapper JSON = new ObjectMapper();

  private HfLlama() {}

  /** The config.json of {@code dir}. */
  public static LlamaConfig readConfig(Path dir) throws IOException {
    Path file = dir.resolve("config.json");
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "a Hugging Face model directory needs a config.json");
    }
    return LlamaConfig.fromHfConfig(JSON.readTree(file.toFile()), file.toString());
  }

  /** The model of {@code dir}; every parameter must be present with its shape (strict load). */
  public static Llama load(Path dir) throws IOException {
    LlamaConfig cfg = readConfig(dir);
    Llama model = new Llama(cfg, 0);
    Map<String, Tensor> state = readWeights(dir);
    FiniteWeights.require(state, dir.toString());
    if (cfg.tieEmbeddings()) {
      state.remove("lm_head.weight");   // some tied checkpoints store the shared table twice
    }
    model.loadStateDict(state, true);
    return model;
  }

  /** Every tensor of model.safetensors, or of the shards a model.safetensors.index.json names. */
  public static Map<String, Tensor> readWeights(Path dir) throws IOException {
    Path single = dir.resolve("model.safetensors");
    if (Files.isRegularFile(single)) return new LinkedHashMap<>(SafeTensors.readAll(single));
    Path index = dir.resolve("model.safetensors.index.json");
    if (!Files.isRegularFile(index)) {
      throw new NoSuchFileException(single.toString(), null, "neither model.safetensors nor "
          + "model.safetensors.index.json is in " + dir + " (pytorch_model.bin is not supported)");
    }
    JsonNode map = JSON.readTree(index.toFile()).get("weight_map");
    if (map == null || !map.isObject()) throw new IOException(index + ": no \"weight_map\" object");
    TreeSet<String> shards = new TreeSet<>();
    for (Iterator<JsonNode> it = map.elements(); it.hasNext(); ) {
      String shard = it.next().asText();
      if (shard.contains("/") || shard.contains("\\")) throw new IOException(index + ": shard '" + shard + "' is not a file name");
      shards.add(shard);
    }
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String shard : shards) out.putAll(SafeTensors.readAll(dir.resolve(shard)));
    return out;
  }

  /** Writes {@code model} as a Hugging Face directory (config.json, model.safetensors in F32). */
  public static void save(Llama model, Path dir) throws IOException {
    Files.createDirectories(dir);
    byte[] config = JSON.writerWithDefaultPrettyPrinter().writeValueAsBytes(model.config().toHfConfig());
    AtomicFiles.write(dir.resolve("config.json"), out -> out.write(config));
    SafeTensors.write(dir.resolve("model.safetensors"), model.stateDict(), Map.of("format", "pt"));
  }
}
