package org.jlora.lora;

import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.AtomicDirectories;
import org.jlora.lora.io.AtomicFiles;
import org.jlora.lora.io.SafeTensors;

/**
 * Adapters on disk in PEFT's format: a directory with {@code adapter_config.json} and
 * {@code adapter_model.safetensors}, keys {@code base_model.model.<module path>.lora_A.weight}
 * [r, in] and {@code .lora_B.weight} [out, r] (embeddings: {@code .lora_embedding_A} [r, vocab],
 * {@code .lora_embedding_B} [dim, r]). PEFT's {@code PeftModel.from_pretrained} loads what
 * {@link #save} writes, and {@link #load} reads adapters PEFT wrote for matching module names.
 *
 * <p>A {@link MergedLinear} is written as the plain LoRA of rank {@code r·n_on} with a
 * zero-padded block B (its rank and alpha go into {@code rank_pattern} / {@code alpha_pattern}),
 * and its mask into the safetensors metadata ({@code jlora.enable_lora.<module>}) so jlora can
 * load it back into the MergedLinear form.
 */
public final class PeftAdapters {
  /** PEFT's config file name inside an adapter directory. */
  public static final String CONFIG_FILE = "adapter_config.json";
  /** PEFT's weights file name inside an adapter directory. */
  public static final String WEIGHTS_FILE = "adapter_model.safetensors";
  static final String PREFIX = "base_model.model.";
  static final String MASK_KEY = "jlora.enable_lora.";
  static final String CONV_FORM_KEY = "jlora.conv_form.";
  /** PEFT's key for an embedding's trainable token rows [n, dim], after the module path (trainable_token_indices). */
  static final String TOKENS_KEY = "token_adapter.trainable_tokens_delta";

  private PeftAdapters() {}

  /** What a {@link #load} found: keys the model expected but the file lacks, and keys nobody claimed. */
  public record LoadReport(List<String> missingKeys, List<String> unexpectedKeys) {
    /** True when every expected key was found and every key in the file was used. */
    public boolean clean() {
      return missingKeys.isEmpty() && unexpectedKeys.isEmpty();
    }
  }

  /**
   * Writes adapter {@code adapter} of {@code lm} into {@code dir} (created if needed); both files are
   * written atomically. A PiSSA or OLoRA adapter is written as PEFT writes it by default: its config
   * keeps the init, so loading it onto the <em>original</em> base redoes the decomposition (see
   * {@link #saveAsPlainLora} for a plain LoRA instead).
   */
  public static void save(LoraModel lm, String adapter, Path dir) throws IOException {
    write(lm, adapter, dir, false);
  }

  /**
   * Writes a PiSSA or OLoRA adapter as a plain LoRA of rank 2r for the original base, as PEFT's
   * {@code save_pretrained(path_initial_model_for_weight_conversion=...)}: r, lora_alpha and the
   * patterns are doubled (alpha by sqrt 2 with rsLoRA), init_lora_weights becomes true, and each layer
   * saves {@code A' = [A ; A₀]}, {@code B' = [B | -B₀]}. Unlike PEFT this needs no separate copy of
   * the initial adapter: the layers keep A₀ and B₀.
   */
  public static void saveAsPlainLora(LoraModel lm, String adapter, Path dir) throws IOException {
    write(lm, adapter, dir, true);
  }

  private static void write(LoraModel lm, String adapter, Path dir, boolean asPlainLora) throws IOException {
    LoraConfig cfg = lm.config(adapter);
    if (asPlainLora) {
      if (!cfg.initLoraWeights().mutatesBase()) {
        throw new IllegalArgumentException("adapter '" + adapter + "' was initialised with init_lora_weights '"
            + cfg.initLoraWeights().peftName() + "', which leaves the base alone: save(...) it as it is");
      }
      if (cfg.useDora()) throw new IllegalArgumentException("converting a DoRA adapter to plain LoRA is not supported");
      if (cfg.useRslora() && (!cfg.rankPattern().isEmpty() || !cfg.alphaPattern().isEmpty())) {
        throw new IllegalArgumentException("converting with rank_pattern or alpha_pattern and use_rslora is not "
            + "supported (PEFT refuses it too)");
      }
    }
    Map<String, Tensor> tensors = new LinkedHashMap<>();
    Map<String, String> metadata = new TreeMap<>();
    metadata.put("format", "pt");
    // per-module entries for widened MergedLinear ranks go first: PEFT takes the first matching key
    Map<String, Integer> ranks = new LinkedHashMap<>();
    Map<String, Float> alphas = new LinkedHashMap<>();
    Module model = lm.model();
    for (Map.Entry<String, LoraLayer> e : lm.loraLayers().entrySet()) {
      LoraLayer layer = e.getValue();
      if (!layer.adapterNames().contains(adapter)) continue;
      LoraAdapter ad = layer.adapter(adapter);
      String path = e.getKey();
      Map<String, Tensor> own = asPlainLora && layer instanceof LoraLinear lin ? lin.asPlainLora(ad) : layer.exportPeft(ad);
      if (own == null) throw new IllegalStateException("layer '" + path + "' has no initial factors to convert");
      own.forEach((suffix, t) -> tensors.put(PREFIX + path + "." + suffix, t));
      int peftRank = layer.peftRank(ad);
      if (peftRank != ad.r()) {
        ranks.put(path, peftRank);
        alphas.put(path, cfg.useRslora()
            ? (float) (ad.alpha() * Math.sqrt((double) peftRank / ad.r())) : ad.alpha() * peftRank / ad.r());
      }
      metadata.putAll(layer.peftMetadata(path));
      if (cfg.bias() == Bias.LORA_ONLY && layer.baseBias() != null) {
        tensors.put(PREFIX + path + ".bias", layer.baseBias().value());
      }
    }
    // trainable token rows: the embedding's entry only; a tied head has none (PEFT saves none for it either)
    lm.tokenLayers().forEach((path, t) -> {
      if (t.adapterNames().contains(adapter)) tensors.put(PREFIX + path + "." + TOKENS_KEY, t.adapter(adapter).delta().value());
    });
    cfg.rankPattern().forEach(ranks::putIfAbsent);
    cfg.alphaPattern().forEach(alphas::putIfAbsent);
    if (cfg.bias() == Bias.ALL) Lora.ownBiases(model).forEach((n, p) -> tensors.put(PREFIX + n, p.value()));
    LoraModel.modulesToSaveParameters(model, cfg).forEach((n, p) -> tensors.put(PREFIX + n, p.value()));
    if (tensors.isEmpty()) throw new IllegalStateException("adapter '" + adapter + "' has no tensors to save");
    tensors.forEach(PeftAdapters::requireFinite);
    String json = asPlainLora ? PeftConfigCodec.write(doubledRank(cfg), 2 * cfg.r(), doubledAlpha(cfg, cfg.loraAlpha()),
        doubled(ranks), doubledAlphas(cfg, alphas)) : PeftConfigCodec.write(cfg, cfg.r(), cfg.loraAlpha(), ranks, alphas);
    // the directory is written as a whole: a reader never sees new weights with an old config
    AtomicDirectories.replace(dir, "adapter directory", OWN_FILES, fresh -> {
      SafeTensors.write(fresh.resolve(WEIGHTS_FILE), tensors, metadata);
      AtomicFiles.writeString(fresh.resolve(CONFIG_FILE), json);
    });
  }

  /** The config of a converted adapter: plain init; r and alpha are given to the codec doubled. */
  private static LoraConfig doubledRank(LoraConfig cfg) {
    return cfg.toBuilder().initLoraWeights(InitLoraWeights.DEFAULT).pissaNiter(0).build();
  }

  /** Doubling r keeps the scaling when alpha doubles too (alpha/r), or grows by sqrt 2 (rsLoRA: alpha/sqrt r). */
  private static float doubledAlpha(LoraConfig cfg, float alpha) {
    return cfg.useRslora() ? (float) (alpha * Math.sqrt(2)) : 2 * alpha;
  }

  private static Map<String, Integer> doubled(Map<String, Integer> ranks) {
    Map<String, Integer> out = new LinkedHashMap<>();
    ranks.forEach((k, v) -> out.put(k, 2 * v));
    return out;
  }

  private static Map<String, Float> doubledAlphas(LoraConfig cfg, Map<String, Float> alphas) {
    Map<String, Float> out = new LinkedHashMap<>();
    alphas.forEach((k, v) -> out.put(k, doubledAlpha(cfg, v)));
    return out;
  }

  /** The files of an adapter directory (PEFT's save_pretrained also writes a README.md model card). */
  public static final Set<String> OWN_FILES = Set.of(CONFIG_FILE, WEIGHTS_FILE, "README.md");

  /** An adapter with NaN or Inf is garbage that would load silently elsewhere: never write one. */
  private static void requireFinite(String key, Tensor t) {
    int i = t.firstNonFinite();
    if (i >= 0) {
      throw new IllegalStateException("not saving the adapter: tensor '" + key + "' holds " + t.data()[t.offset() + i]
          + " at element " + i + " (training diverged; lower the learning rate or resume from an earlier checkpoint)");
    }
  }


  /** An adapter with the same name and shapes whose A and B are copies (a target for dry imports). */
  private static LoraAdapter scratchCopy(LoraAdapter ad) {
    return new LoraAdapter(ad.name(), ad.r(), ad.alpha(), ad.scaling(), ad.dropout(),
        new Parameter(ad.a().value().copy()), new Parameter(ad.b().value().copy()), ad.dropoutRng(),
        ad.isDora() ? new Parameter(ad.magnitude().value().copy()) : null,
        ad.bBias() != null ? new Parameter(ad.bBias().value().copy()) : null);
  }

  /** Reads the config of an adapter directory (with enable_lora restored from the weights' metadata). */
  public static LoraConfig readConfig(Path dir) throws IOException {
    Path cfgFile = dir.resolve(CONFIG_FILE);
    if (!Files.isRegularFile(cfgFile)) {
      throw new NoSuchFileException(cfgFile.toString(), null, "no " + CONFIG_FILE + " here: is " + dir + " an adapter directory?");
    }
    String json;
    try {
      json = Files.readString(cfgFile, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {   // its own message is "Input length = 1"
      throw new IOException(cfgFile + ": not UTF-8 text, so not PEFT's JSON config; is it the right file?", e);
    }
    LoraConfig cfg = LoraConfig.fromPeftJson(json, cfgFile.toString());
    Path weights = dir.resolve(WEIGHTS_FILE);
    if (!Files.isRegularFile(weights)) {
      throw new NoSuchFileException(weights.toString(), null, "the adapter's weights are missing ("
          + (Files.exists(dir.resolve("adapter_model.bin")) ? "adapter_model.bin is PyTorch's pickle format, which jlora "
          + "does not read: save the adapter with safe_serialization=True" : "an adapter directory holds " + CONFIG_FILE
          + " and " + WEIGHTS_FILE) + ")");
    }
    Map<String, String> meta;
    try (var f = SafeTensors.open(weights)) {
      meta = f.metadata();
    }
    return restoreMergedLinear(cfg, meta);
  }

  /** Undoes the MergedLinear widening of rank_pattern / alpha_pattern when the metadata names masks. */
  private static LoraConfig restoreMergedLinear(LoraConfig cfg, Map<String, String> meta) {
    List<Boolean> mask = null;
    Map<String, Integer> saved = new LinkedHashMap<>(cfg.rankPattern());
    Map<String, Float> savedAlphas = new LinkedHashMap<>(cfg.alphaPattern());
    Map<String, Integer> ranks = new LinkedHashMap<>();   // restored per-module entries first, as saved
    Map<String, Float> alphas = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : meta.entrySet()) {
      if (!e.getKey().startsWith(MASK_KEY)) continue;
      String path = e.getKey().substring(MASK_KEY.length());
      List<Boolean> m = parseMask(e.getValue(), e.getKey());
      if (mask != null && !mask.equals(m)) {
        throw new IllegalArgumentException("adapter has different enable_lora masks (" + mask + ", " + m + "); "
            + "jlora configs carry one mask");
      }
      mask = m;
      int on = (int) m.stream().filter(x -> x).count();
      Integer r = saved.remove(path);
      Float a = savedAlphas.remove(path);
      // save widened r by n_on and alpha by n_on (sqrt(n_on) with rsLoRA) so that the scaling is kept
      double alphaFactor = cfg.useRslora() ? Math.sqrt(on) : on;
      if (r != null && r % on != 0) {
        throw new IllegalArgumentException(e.getKey() + ": rank_pattern gives " + path + " rank " + r
            + ", not a multiple of the " + on + " enabled slices of " + m);
      }
      if (r != null && r / on != cfg.r()) ranks.put(path, r / on);
      if (a != null && (float) (a / alphaFactor) != cfg.loraAlpha()) alphas.put(path, (float) (a / alphaFactor));
    }
    if (mask == null) return cfg;
    saved.forEach(ranks::putIfAbsent);
    savedAlphas.forEach(alphas::putIfAbsent);
    return cfg.toBuilder().rankPattern(ranks).alphaPattern(alphas).enableLora(mask).build();
  }

  private static List<Boolean> parseMask(String s, String key) {
    String body = s.trim();
    if (!body.startsWith("[") || !body.endsWith("]")) throw new IllegalArgumentException(key + ": bad mask '" + s + "'");
    List<Boolean> out = new ArrayList<>();
    for (String part : body.substring(1, body.length() - 1).split(",")) {
      String t = part.trim();
      if (!t.equals("true") && !t.equals("false")) throw new IllegalArgumentException(key + ": bad mask '" + s + "'");
      out.add(t.equals("true"));
    }
    // a mask with no slice on has no rank to divide among its slices (and trains nothing)
    if (!out.contains(Boolean.TRUE)) throw new IllegalArgumentException(key + ": mask '" + s + "' enables no slice");
    return out;
  }

  /**
   * PEFT's {@code PeftModel.from_pretrained}: injects the adapter in {@code dir} into the plain
   * model {@code base} as "default" (per its adapter_config.json) and loads its tensors, strictly.
   */
  public static LoraModel fromPretrained(Module base, Path dir) throws IOException {
    LoraModel lm = LoraModel.inject(base, readConfig(dir));
    load(lm, dir, "default", true);
    return lm;
  }

  /**
   * Loads the adapter in {@code dir} into {@code lm} as adapter {@code adapter}, creating it from
   * the directory's config when the model does not have it yet.
   *
   * @param strict throw on any missing or unexpected key instead of reporting it
   */
  public static LoadReport load(LoraModel lm, Path dir, String adapter, boolean strict) throws IOException {
    LoraConfig cfg = readConfig(dir);
    lm.loraLayers().forEach((name, layer) -> {
      if (layer.isMerged()) {
        throw new IllegalStateException("cannot load adapter " + dir + ": layer '" + name + "' has adapter '"
            + layer.activeAdapter() + "' merged into its weight; unmerge() (or train()) first, otherwise "
            + "unmerging later would subtract a different ΔW and corrupt W");
      }
    });
    lm.tokenLayers().forEach((name, t) -> {
      if (t.isMerged()) {
        throw new IllegalStateException("cannot load adapter " + dir + ": the trainable tokens of '" + name
            + "' are merged into its table; unload or unmerge first");
      }
    });
    boolean created = !lm.adapterNames().contains(adapter);
    if (created) lm.addAdapter(adapter, cfg);
    try {
      return loadInto(lm, dir, adapter, strict);
    } catch (IOException | RuntimeException e) {
      if (created) lm.deleteAdapter(adapter);   // leave the model as it was
      throw e;
    }
  }

  /**
   * PEFT's {@code hotswap_adapter}: replaces the weights (and alpha) of the existing adapter
   * {@code adapter} by those in {@code dir}, in place: the same Parameter objects receive the new
   * values, so optimizers, compiled graphs and references stay valid and nothing is re-injected. The
   * new adapter must adapt exactly the same modules with the same ranks and DoRA setting; every tensor
   * is checked before any is copied, and a merged model is refused.
   */
  public static void hotswap(LoraModel lm, Path dir, String adapter) throws IOException {
    Hotswap.swap(lm, dir, adapter);
  }

  /** Checks every tensor of the file against {@code lm}'s adapter {@code adapter}, then copies them in. */
  static LoadReport loadInto(LoraModel lm, Path dir, String adapter, boolean strict) throws IOException {
    Map<String, Tensor> file = SafeTensors.readAll(dir.resolve(WEIGHTS_FILE));
    Map<String, Tensor> unclaimed = new LinkedHashMap<>(file);
    List<String> missing = new ArrayList<>();
    List<Runnable> copies = new ArrayList<>();   // run only once every tensor has been checked
    for (Map.Entry<String, LoraLayer> e : lm.loraLayers().entrySet()) {
      LoraLayer layer = e.getValue();
      if (!layer.adapterNames().contains(adapter)) continue;
      LoraAdapter ad = layer.adapter(adapter);
      String prefix = PREFIX + e.getKey() + ".";
      Map<String, Tensor> bySuffix = new LinkedHashMap<>();
      boolean complete = true;
      for (String suffix : layer.exportPeft(ad).keySet()) {
        Tensor t = unclaimed.remove(prefix + suffix);
        if (t == null) {
          missing.add(prefix + suffix);
          complete = false;
        } else {
          bySuffix.put(suffix, t);
        }
      }
      if (complete) {
        // a dry import into scratch copies checks shapes (and MergedLinear's zero blocks) first
        layer.importPeft(scratchCopy(ad), bySuffix, prefix);
        copies.add(() -> layer.importPeft(ad, bySuffix, prefix));
      }
    }
    for (Map.Entry<String, TrainableTokensEmbedding> e : lm.tokenLayers().entrySet()) {
      if (!e.getValue().adapterNames().contains(adapter)) continue;
      String key = PREFIX + e.getKey() + "." + TOKENS_KEY;
      Tensor src = unclaimed.remove(key);
      Parameter rows = e.getValue().adapter(adapter).delta();
      if (src == null) {
        missing.add(key);
      } else {
        LoraLayer.copyChecked(src, rows.value().copy(), key);   // [n, dim]: n from the config's token ids
        copies.add(() -> LoraLayer.copyChecked(src, rows.value(), key));
      }
    }
    Map<String, Parameter> params = lm.model().namedParameters();
    for (var it = unclaimed.entrySet().iterator(); it.hasNext(); ) {
      var e = it.next();
      if (!e.getKey().startsWith(PREFIX)) continue;
      Parameter p = params.get(e.getKey().substring(PREFIX.length()));
      if (p != null) {   // a bias or a modules_to_save parameter
        Tensor src = e.getValue();
        String key = e.getKey();
        LoraLayer.copyChecked(src, p.value().copy(), key);
        copies.add(() -> LoraLayer.copyChecked(src, p.value(), key));
        it.remove();
      }
    }
    LoadReport report = new LoadReport(missing, new ArrayList<>(unclaimed.keySet()));
    if (strict && !report.clean()) {
      throw new IllegalArgumentException("adapter " + dir + " does not fit the model: missing keys " + report.missingKeys()
          + ", unexpected keys " + report.unexpectedKeys());
    }
    copies.forEach(Runnable::run);
    return report;
  }
}
