package org.jlora.examples.model.gpt2;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.F;
import org.jlora.autograd.Variable;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.FiniteWeights;
import org.jlora.examples.checkpoint.HfDirectory;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.LanguageModel;

/**
 * GPT-2 as Hugging Face's {@code GPT2LMHeadModel} lays it out: the {@link Gpt2Transformer} body
 * ({@code transformer.wte}, {@code transformer.wpe}, {@code transformer.h.N.{ln_1, attn.c_attn,
 * attn.c_proj, ln_2, mlp.c_fc, mlp.c_proj}}, {@code transformer.ln_f}) with Conv1D weights stored
 * [in, out], and a head tied to the token embedding: {@code logits = h · wteᵀ}. There is no
 * {@code lm_head.weight} parameter; the state dict has exactly the keys of a Hugging Face
 * {@code model.safetensors}.
 *
 * <p>Load a Hugging Face directory with {@link #load(Path)}.
 */
public final class Gpt2 extends LanguageModel {
  public static final String CONFIG = "config.json";
  public static final String WEIGHTS = "model.safetensors";

  private final Gpt2Config config;
  private final Child<Gpt2Transformer> transformer;

  /** A freshly initialised model (GPT-2's init, reproducible for {@code seed}). */
  public Gpt2(Gpt2Config config, long seed) {
    this.config = config;
    Rng rng = new Rng(seed);
    this.transformer = registerModule("transformer", new Gpt2Transformer(config, true, rng));
    Gpt2Transformer.initWeights(this, config.nLayer(), rng);
  }

  public Gpt2Config config() { return config; }

  public Gpt2Transformer transformer() { return transformer.get(); }

  @Override
  public int vocabSize() { return config.vocabSize(); }

  @Override
  public int contextLength() { return config.nPositions(); }

  @Override
  public String architecture() { return "gpt2"; }

  @Override
  public KvCache newCache(int batch, int maxLength) {
    return new KvCache(config.nLayer(), batch, config.nHead(), Math.min(maxLength, config.nPositions()), config.headSize());
  }

  @Override
  public void setCheckpointActivations(boolean on) {
    transformer.get().setCheckpointActivations(on);
  }

  /** ids [B, T] -> logits [B, T, V]; the head is the token embedding, transposed: h [B, T, C] · wteᵀ [C, V]. */
  @Override
  public Variable forward(int[] ids, int b, int t, KvCache cacheOrNull) {
    checkIds(ids, b, t, cacheOrNull == null ? 0 : cacheOrNull.length());
    Variable h = transformer.get().forward(ids, b, t, cacheOrNull);        // [B, T, C]
    return F.linear(h, transformer.get().wte().table(), null);              // [B, T, V]; table(): stays tied when wte is wrapped
  }

  /**
   * Reads a Hugging Face GPT-2 directory: {@code config.json} and {@code model.safetensors} or its
   * shards (F32, F16 or BF16, read as float32). Errors name the file and what to do.
   */
  public static Gpt2 load(Path dir) throws IOException {
    try (HfDirectory hf = HfDirectory.open(dir)) {
      return fromDirectory(hf);
    }
  }

  /** The model of an opened Hugging Face directory. */
  public static Gpt2 fromDirectory(HfDirectory hf) throws IOException {
    Path configFile = hf.dir().resolve(CONFIG);
    Gpt2Config cfg = Gpt2Config.fromHfConfig(hf.config(), configFile.toString());
    // before allocating what the config asks for: wte, wpe and the layers' matrices (c_attn, c_proj, c_fc, mlp c_proj)
    double c = cfg.nEmbd();
    hf.requireWeightsFor((cfg.vocabSize() + (double) cfg.nPositions()) * c + cfg.nLayer() * (4 * c * c + 2 * c * cfg.nInner()));
    Gpt2 model = new Gpt2(cfg, 0L);
    try {
      Map<String, Tensor> state = hf.readAll();
      FiniteWeights.require(state, hf.dir().toString());
      model.loadHfStateDict(state);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(hf.dir() + ": the weights do not fit " + CONFIG + ": " + e.getMessage(), e);
    }
    return model;
  }

  /**
   * Writes a Hugging Face GPT-2 directory that {@link #load} and transformers'
   * {@code GPT2LMHeadModel.from_pretrained} read back: {@code config.json} ({@link
   * Gpt2Config#toHfConfig}) and {@code model.safetensors} (F32, Hugging Face's keys, no lm_head),
   * written as a whole, never over a directory jlora did not write.
   */
  public void save(Path dir) throws IOException {
    save(dir, List.of());
  }

  /** {@link #save(Path)} with the tokenizer's files copied beside the weights. */
  public void save(Path dir, List<Path> tokenizerFiles) throws IOException {
    HfDirectory.write(dir, config.toHfConfig(), stateDict(), tokenizerFiles);
  }

  /**
   * Loads Hugging Face weights strictly (every parameter present, nothing unknown), accepting the
   * two namings found in GPT-2 files: {@code transformer.h.0...} (GPT2LMHeadModel) and
   * {@code h.0...} (GPT2Model, the original hub files). Dropped on the way: {@code lm_head.weight}
   * (tied: it is wte) and the causal-mask buffers {@code attn.bias} / {@code attn.masked_bias}
   * that old files carry.
   */
  public void loadHfStateDict(Map<String, Tensor> hf) {
    Map<String, Tensor> state = new LinkedHashMap<>();
    for (Map.Entry<String, Tensor> e : hf.entrySet()) {
      String key = e.getKey();
      if (key.equals("lm_head.weight") || key.endsWith(".attn.bias") || key.endsWith(".attn.masked_bias")) continue;
      state.put(key.startsWith("transformer.") ? key : "transformer." + key, e.getValue());
    }
    loadStateDict(state, true);
  }
}
