package org.jlora.examples.checkpoint;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.DType;
import org.jlora.lora.io.SafeTensors;
import org.jlora.lora.io.SafeTensorsFile;

/**
 * A Hugging Face model directory, as {@code save_pretrained} writes it: {@code config.json}, the
 * weights in {@code model.safetensors} or in shards listed by {@code model.safetensors.index.json},
 * and the tokenizer's files.
 *
 * <pre>{@code
 * try (HfDirectory hf = HfDirectory.open(Path.of("SmolLM2-135M"))) {
 *   String type = hf.modelType();                                   // "llama"
 *   int layers = hf.config().get("num_hidden_layers").intValue();
 *   Tensor q = hf.tensor("model.layers.0.self_attn.q_proj.weight");  // [out, in], float32
 * }
 * }</pre>
 *
 * <p>Opening checks everything it can without decoding a tensor: every shard the index names
 * exists and holds the tensors the index says it holds. Tensors are then decoded on demand,
 * F16 and BF16 widened to float32 exactly. When both a single file and an index are present, the
 * single file wins, as in {@code transformers}. {@link #write} makes such a directory.
 */
public final class HfDirectory implements Closeable {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";
  public static final String WEIGHTS_INDEX = "model.safetensors.index.json";
  /** Files a tokenizer may keep in a model directory (the fast tokenizer, its config, the older split forms). */
  public static final List<String> TOKENIZER_FILES = List.of("tokenizer.json", "tokenizer_config.json",
      "special_tokens_map.json", "added_tokens.json", "tokenizer.model", "vocab.json", "merges.txt",
      "chat_template.jinja", "chat_template.json");
  /** PyTorch pickles: we do not read them (unpickling runs code) and say how to convert. */
  private static final List<String> PICKLED_WEIGHTS = List.of("pytorch_model.bin", "pytorch_model.bin.index.json");

  private final Path dir;
  private final JsonNode config;
  private final Map<String, SafeTensorsFile> fileOfTensor; // every tensor, in index or file order
  private final List<SafeTensorsFile> openFiles;           // each file once, for close()

  private HfDirectory(Path dir, JsonNode config, Map<String, SafeTensorsFile> fileOfTensor, List<SafeTensorsFile> openFiles) {
    this.dir = dir;
    this.config = config;
    this.fileOfTensor = Collections.unmodifiableMap(fileOfTensor);
    this.openFiles = List.copyOf(openFiles);
  }

  /**
   * Opens the model directory {@code dir}: reads its config and opens and checks its weights.
   *
   * @throws IOException naming the file at fault and what to do, when something is missing or malformed
   */
  public static HfDirectory open(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, Files.exists(dir)
          ? "not a directory; give the model directory (with " + CONFIG + "), not a file in it"
          : "no such directory; give a Hugging Face model directory (with " + CONFIG + " and " + WEIGHTS + ")");
    }
    Path configFile = dir.resolve(CONFIG);
    if (!Files.isRegularFile(configFile)) {
      throw new NoSuchFileException(configFile.toString(), null, "missing; a Hugging Face model directory has a "
          + CONFIG + " beside its weights");
    }
    JsonNode config = JsonFiles.readObject(configFile);
    Map<String, SafeTensorsFile> fileOfTensor = new LinkedHashMap<>();
    List<SafeTensorsFile> openFiles = new ArrayList<>();
    try {
      if (Files.isRegularFile(dir.resolve(WEIGHTS))) {
        SafeTensorsFile file = SafeTensors.open(dir.resolve(WEIGHTS));
        openFiles.add(file);
        for (String name : file.names()) fileOfTensor.put(name, file);
      } else if (Files.isRegularFile(dir.resolve(WEIGHTS_INDEX))) {
        openShards(dir, ShardIndex.read(dir.resolve(WEIGHTS_INDEX)), fileOfTensor, openFiles);
      } else {
        throw new NoSuchFileException(dir.toString(), null, noWeightsMessage(dir));
      }
      return new HfDirectory(dir, config, fileOfTensor, openFiles);
    } catch (IOException | RuntimeException | Error e) {
      closeAll(openFiles, e);
      throw e;
    }
  }

  /** Opens each shard the index names once, and checks it holds the tensors the index says. */
  private static void openShards(Path dir, ShardIndex index, Map<String, SafeTensorsFile> fileOfTensor,
      List<SafeTensorsFile> openFiles) throws IOException {
    Map<String, SafeTensorsFile> shards = new LinkedHashMap<>();
    for (var entry : index.shardOfTensor().entrySet()) {
      String tensor = entry.getKey();
      String shardName = entry.getValue();
      SafeTensorsFile shard = shards.get(shardName);
      if (shard == null) {
        Path shardFile = dir.resolve(shardName);
        if (!Files.isRegularFile(shardFile)) {
          throw new NoSuchFileException(shardFile.toString(), null, "missing, but " + index.file()
              + " puts tensor '" + tensor + "' in it; download or copy every shard the index names");
        }
        shard = SafeTensors.open(shardFile);
        openFiles.add(shard);
        shards.put(shardName, shard);
      }
      if (!shard.contains(tensor)) {
        throw new IOException(index.file() + " puts tensor '" + tensor + "' in " + shardName
            + ", which does not hold it; the index and its shards do not belong together");
      }
      fileOfTensor.put(tensor, shard);
    }
  }

  private static String noWeightsMessage(Path dir) {
    String looked = "no weights: looked for " + WEIGHTS + " and " + WEIGHTS_INDEX;
    for (String pickled : PICKLED_WEIGHTS) {
      if (Files.exists(dir.resolve(pickled))) {
        return looked + "; found " + pickled + ", which is not supported: re-save the model in Python with "
            + "save_pretrained(dir, safe_serialization=True)";
      }
    }
    return looked + "; save the model in Python with save_pretrained(dir), which writes safetensors";
  }

  /** The directory itself. */
  public Path dir() {
    return dir;
  }

  /** The parsed {@code config.json}. */
  public JsonNode config() {
    return config;
  }

  /** The config's {@code model_type}: "llama", "qwen2", "gpt2", ... */
  public String modelType() throws IOException {
    JsonNode type = config.get("model_type");
    if (type == null || !type.isTextual() || type.textValue().isEmpty()) {
      throw new IOException(dir.resolve(CONFIG) + ": key 'model_type' must name the architecture (\"llama\", "
          + "\"gpt2\", ...), found " + JsonFiles.describe(type));
    }
    return type.textValue();
  }

  /** Every tensor's name, in the order of the index (sharded) or of the file. */
  public Set<String> tensorNames() {
    return Collections.unmodifiableSet(new LinkedHashSet<>(fileOfTensor.keySet()));
  }

  public boolean contains(String name) {
    return fileOfTensor.containsKey(name);
  }

  /** The shape of tensor {@code name}, as stored. */
  public int[] shape(String name) {
    return fileOf(name).shape(name);
  }

  /** The element type of tensor {@code name}, as stored (F32, F16, BF16, ...). */
  public DType dtype(String name) {
    return fileOf(name).dtype(name);
  }

  /** Tensor {@code name} decoded into a new float32 tensor. */
  public Tensor tensor(String name) throws IOException {
    return fileOf(name).tensor(name);
  }

  /** Tensor {@code name}, stored as BF16, as a read-only bf16 tensor of its bits (never widened). */
  public Tensor bf16Tensor(String name) throws IOException {
    return fileOf(name).bf16Tensor(name);
  }

  /**
   * Refuses a config that describes a larger model than the weights hold, before the model is
   * allocated: the config.json of another model (or a corrupted one) would otherwise ask for
   * gigabytes and end in an OutOfMemoryError rather than in an error that names the mismatch.
   *
   * @param configParameters a lower bound on the parameter count the config describes
   */
  public void requireWeightsFor(double configParameters) throws IOException {
    long held = 0;
    for (String name : fileOfTensor.keySet()) {
      long n = 1;
      for (int d : shape(name)) n *= d;
      held += n;
    }
    if (configParameters > held) {
      throw new IOException(dir.resolve(CONFIG) + " describes a model of at least " + String.format("%.0f", configParameters)
          + " parameters, but the weights hold " + held + "; the config and the weights do not belong together");
    }
  }

  /** Every tensor, decoded, in {@link #tensorNames()} order. */
  public Map<String, Tensor> readAll() throws IOException {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (String name : fileOfTensor.keySet()) out.put(name, tensor(name));
    return out;
  }

  /** Where the tokenizer's files are: the model directory itself. */
  public Path tokenizerDir() {
    return dir;
  }

  /** Which of {@link #TOKENIZER_FILES} this directory has, in that order. */
  public List<Path> tokenizerFiles() {
    List<Path> present = new ArrayList<>();
    for (String name : TOKENIZER_FILES) {
      if (Files.isRegularFile(dir.resolve(name))) present.add(dir.resolve(name));
    }
    return present;
  }

  /**
   * Writes a model as a new Hugging Face directory {@code dir}, all at once: a reader never sees a
   * half-written directory. Refuses to replace a directory jlora did not write.
   *
   * @param config the config.json to write (a JSON object)
   * @param tensors the weights, by Hugging Face name, written as F32 to model.safetensors
   * @param tokenizerFilesToCopy files named as in {@link #TOKENIZER_FILES}, copied as they are
   */
  public static void write(Path dir, JsonNode config, Map<String, Tensor> tensors, List<Path> tokenizerFilesToCopy)
      throws IOException {
    HfDirectoryWriter.write(dir, config, tensors, tokenizerFilesToCopy);
  }

  private SafeTensorsFile fileOf(String name) {
    SafeTensorsFile file = fileOfTensor.get(name);
    if (file == null) {
      List<String> some = new ArrayList<>(fileOfTensor.keySet()).subList(0, Math.min(3, fileOfTensor.size()));
      throw new IllegalArgumentException(dir + ": no tensor '" + name + "'; the model has " + fileOfTensor.size()
          + " tensors, e.g. " + some);
    }
    return file;
  }

  @Override
  public void close() throws IOException {
    IOException first = null;
    for (SafeTensorsFile file : openFiles) {
      try {
        file.close();
      } catch (IOException e) {
        if (first == null) first = e; else first.addSuppressed(e);
      }
    }
    if (first != null) throw first;
  }

  private static void closeAll(List<SafeTensorsFile> files, Throwable failure) {
    for (SafeTensorsFile file : files) {
      try {
        file.close();
      } catch (IOException suppressed) {
        failure.addSuppressed(suppressed);
      }
    }
  }

  @Override
  public String toString() {
    return "HfDirectory(" + dir + ", " + fileOfTensor.size() + " tensors in " + openFiles.size() + " files)";
  }
}
