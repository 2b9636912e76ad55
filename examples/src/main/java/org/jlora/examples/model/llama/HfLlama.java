package org.jlora.examples.model.llama;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.BaseDType;
import org.jlora.examples.checkpoint.CheckpointLayers;
import org.jlora.examples.checkpoint.FiniteWeights;
import org.jlora.examples.checkpoint.HfDirectory;
import org.jlora.examples.checkpoint.JsonFiles;

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
  private HfLlama() {}

  /** The config.json of {@code dir}. */
  public static LlamaConfig readConfig(Path dir) throws IOException {
    Path file = dir.resolve(HfDirectory.CONFIG);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "a Hugging Face model directory needs a config.json");
    }
    return LlamaConfig.fromHfConfig(JsonFiles.readObject(file), file.toString());
  }

  /** The model of {@code dir}; every parameter must be present with its shape (strict load). */
  public static Llama load(Path dir) throws IOException {
    try (HfDirectory hf = HfDirectory.open(dir)) {
      return fromDirectory(hf);
    }
  }

  /** The model of an opened directory (single file or shards, F32/F16/BF16 read as float32). */
  public static Llama fromDirectory(HfDirectory hf) throws IOException {
    return fromDirectory(hf, BaseDType.F32);
  }

  /**
   * The model of an opened directory, its weight matrices kept as {@code dtype} says (bf16 ones
   * frozen and read-only; see {@link BaseDType}). Each tensor is read once, straight into the
   * model: the layers are built on the checkpoint's tensors, then the norms are loaded.
   */
  public static Llama fromDirectory(HfDirectory hf, BaseDType dtype) throws IOException {
    Path configFile = hf.dir().resolve(HfDirectory.CONFIG);
    LlamaConfig cfg = LlamaConfig.fromHfConfig(hf.config(), configFile.toString());
    hf.requireWeightsFor(minParameters(cfg));   // before allocating what the config asks for
    CheckpointLayers layers = new CheckpointLayers(hf, dtype);
    Llama model;
    try {
      model = new Llama(cfg, layers);
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
    Map<String, Tensor> state = new LinkedHashMap<>(layers.loaded());
    for (String name : hf.tensorNames()) {
      // some tied checkpoints store the shared table twice: the copy is not read
      boolean tiedCopy = cfg.tieEmbeddings() && name.equals("lm_head.weight");
      if (!tiedCopy && !state.containsKey(name)) state.put(name, hf.tensor(name));   // norms, or unexpected keys
    }
    FiniteWeights.require(state, hf.dir().toString());
    model.loadStateDict(state, true);
    return model;
  }

  /** Writes {@code model} as a Hugging Face directory (config.json, model.safetensors in F32). */
  public static void save(Llama model, Path dir) throws IOException {
    save(model, dir, List.of());
  }

  /**
   * Writes {@code model} as a Hugging Face directory with {@code tokenizerFiles} copied beside it,
   * as a whole (never over a directory jlora did not write).
   */
  public static void save(Llama model, Path dir, List<Path> tokenizerFiles) throws IOException {
    HfDirectory.write(dir, model.config().toHfConfig(), model.stateDict(), tokenizerFiles);
  }

  /** A lower bound on the parameters of {@code cfg}: embeddings and the layers' matrices (norms and biases left out). */
  private static double minParameters(LlamaConfig cfg) {
    double c = cfg.hiddenSize();
    double q = (double) cfg.numHeads() * cfg.headDim();
    double kv = (double) cfg.numKvHeads() * cfg.headDim();
    return cfg.vocabSize() * c + cfg.numLayers() * (2 * c * q + 2 * c * kv + 3 * c * cfg.intermediateSize());
  }
}
