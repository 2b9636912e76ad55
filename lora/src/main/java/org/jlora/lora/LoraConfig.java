package org.jlora.lora;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * What to adapt and how, with PEFT's field names ({@code LoraConfig} in PEFT).
 *
 * <pre>{@code
 * LoraConfig cfg = LoraConfig.builder()
 *     .r(8).loraAlpha(16).loraDropout(0.05f)
 *     .targetModules("c_attn", "c_proj")      // list: a module matches if its name ends with ".c_attn"
 *     .build();
 * }</pre>
 *
 * <p>Which modules are adapted (target_modules, exclude_modules, layers_to_transform,
 * modules_to_save) is decided in one place, {@link ModuleMatcher}; reading and writing PEFT's
 * adapter_config.json is {@link PeftConfigCodec}'s job.
 * {@code rank_pattern} / {@code alpha_pattern} override r and alpha for modules whose name matches
 * {@code (.*\.)?<key>} (PEFT's rule). {@code enable_lora} is loralib's MergedLinear mask (e.g.
 * {@code [true, false, true]} adapts q and v of a fused qkv projection); PEFT has no such field, so
 * adapters save it only in the safetensors metadata and export MergedLinear as a plain LoRA.
 */
public final class LoraConfig {
  private final int r;
  private final float loraAlpha;
  private final float loraDropout;
  private final List<String> targetModules;
  private final String targetRegex;
  private final List<String> modulesToSave;
  private final Bias bias;
  private final boolean fanInFanOut;
  private final boolean useRslora;
  private final InitLoraWeights initLoraWeights;
  private final Map<String, Integer> rankPattern;
  private final Map<String, Float> alphaPattern;
  private final List<Boolean> enableLora;
  private final boolean mergeWeights;
  private final long seed;
  private final List<String> excludeModules;
  private final String excludeRegex;
  private final List<Integer> layersToTransform;
  private final List<String> layersPattern;
  private final boolean useDora;
  private final int pissaNiter;
  private final boolean loraBias;
  private final List<Integer> trainableTokenIndices;
  private final Map<String, List<Integer>> trainableTokens;
  private final ModuleMatcher matcher;

  private LoraConfig(Builder b) {
    this.r = b.r;
    this.loraAlpha = b.loraAlpha;
    this.loraDropout = b.loraDropout;
    this.targetModules = b.targetModules == null ? null : List.copyOf(b.targetModules);
    this.targetRegex = b.targetRegex;
    this.modulesToSave = List.copyOf(b.modulesToSave);
    this.bias = b.bias;
    this.fanInFanOut = b.fanInFanOut;
    this.useRslora = b.useRslora;
    this.initLoraWeights = b.initLoraWeights;
    // insertion order matters: the first matching key wins, as in PEFT (Map.copyOf would scramble it)
    this.rankPattern = Collections.unmodifiableMap(new LinkedHashMap<>(b.rankPattern));
    this.alphaPattern = Collections.unmodifiableMap(new LinkedHashMap<>(b.alphaPattern));
    this.enableLora = b.enableLora == null ? null : List.copyOf(b.enableLora);
    this.mergeWeights = b.mergeWeights;
    this.seed = b.seed;
    this.excludeModules = List.copyOf(b.excludeModules);
    this.excludeRegex = b.excludeRegex;
    this.layersToTransform = List.copyOf(b.layersToTransform);
    this.layersPattern = List.copyOf(b.layersPattern);
    this.useDora = b.useDora;
    this.pissaNiter = b.pissaNiter;
    this.loraBias = b.loraBias;
    this.trainableTokenIndices = b.trainableTokenIndices == null ? null : List.copyOf(b.trainableTokenIndices);
    Map<String, List<Integer>> tokens = new LinkedHashMap<>();
    b.trainableTokens.forEach((k, v) -> tokens.put(k, List.copyOf(v)));
    this.trainableTokens = Collections.unmodifiableMap(tokens);
    this.matcher = new ModuleMatcher(this);
  }

  /** A builder with PEFT's defaults (r 8, alpha 8, no dropout, bias none); target_modules is required. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.r = r;
    b.loraAlpha = loraAlpha;
    b.loraDropout = loraDropout;
    b.targetModules = targetModules == null ? null : new ArrayList<>(targetModules);
    b.targetRegex = targetRegex;
    b.modulesToSave = new ArrayList<>(modulesToSave);
    b.bias = bias;
    b.fanInFanOut = fanInFanOut;
    b.useRslora = useRslora;
    b.initLoraWeights = initLoraWeights;
    b.rankPattern = new LinkedHashMap<>(rankPattern);
    b.alphaPattern = new LinkedHashMap<>(alphaPattern);
    b.enableLora = enableLora == null ? null : new ArrayList<>(enableLora);
    b.mergeWeights = mergeWeights;
    b.seed = seed;
    b.excludeModules = new ArrayList<>(excludeModules);
    b.excludeRegex = excludeRegex;
    b.layersToTransform = new ArrayList<>(layersToTransform);
    b.layersPattern = new ArrayList<>(layersPattern);
    b.useDora = useDora;
    b.pissaNiter = pissaNiter;
    b.loraBias = loraBias;
    b.trainableTokenIndices = trainableTokenIndices == null ? null : new ArrayList<>(trainableTokenIndices);
    b.trainableTokens = new LinkedHashMap<>(trainableTokens);
    return b;
  }

  /** The default rank (PEFT's {@code r}). */
  public int r() { return r; }
  /** The default alpha; scaling = alpha / r. */
  public float loraAlpha() { return loraAlpha; }
  /** Dropout on the adapter's input (dense and factorized conv layers). */
  public float loraDropout() { return loraDropout; }
  /** The suffix list, or null when a regex is used. */
  public List<String> targetModules() { return targetModules; }
  /** The full-match regex, or null when a suffix list is used. */
  public String targetRegex() { return targetRegex; }
  /** Modules trained in full and saved with the adapter (PEFT's modules_to_save). */
  public List<String> modulesToSave() { return modulesToSave; }
  /** Which biases train with the adapter. */
  public Bias bias() { return bias; }
  /** Whether targeted Linear weights are stored [in, out] (GPT-2's Conv1D). */
  public boolean fanInFanOut() { return fanInFanOut; }
  /** rsLoRA: scaling = alpha / sqrt(r) instead of alpha / r. */
  public boolean useRslora() { return useRslora; }
  /** How A and B start. */
  public InitLoraWeights initLoraWeights() { return initLoraWeights; }
  /** Per-module ranks by pattern key, in insertion order (the first match wins). */
  public Map<String, Integer> rankPattern() { return rankPattern; }
  /** Per-module alphas by pattern key, in insertion order (the first match wins). */
  public Map<String, Float> alphaPattern() { return alphaPattern; }
  /** loralib's MergedLinear mask (applied to every targeted Linear), or null for plain LoRA Linear layers. */
  public List<Boolean> enableLora() { return enableLora; }
  /** loralib's merge_weights: eval() merges ΔW into W, train() unmerges. */
  public boolean mergeWeights() { return mergeWeights; }
  /** Seed for A/B initialisation and dropout masks. */
  public long seed() { return seed; }
  /** exclude_modules as a suffix list (empty when unused or when a regex is given). */
  public List<String> excludeModules() { return excludeModules; }
  /** exclude_modules as one full-match regex, or null. */
  public String excludeRegex() { return excludeRegex; }
  /** layers_to_transform: the layer indices list targets are restricted to (empty: every layer). */
  public List<Integer> layersToTransform() { return layersToTransform; }
  /** layers_pattern: the names of the layer lists that layers_to_transform indexes (empty: any). */
  public List<String> layersPattern() { return layersPattern; }
  /** DoRA (PEFT's use_dora): a learned magnitude per output row times the normalised W + ΔW. */
  public boolean useDora() { return useDora; }
  /** For PiSSA: 0 for the exact SVD ("pissa"), else the subspace iterations of the randomized one ("pissa_niter_N"). */
  public int pissaNiter() { return pissaNiter; }
  /** PEFT's lora_bias: B gets a trainable bias (Linear layers), merged into the base bias. */
  public boolean loraBias() { return loraBias; }

  /**
   * PEFT's trainable_token_indices as a list: rows of the model's input embedding that train
   * alongside the adapter ({@link TrainableTokensEmbedding}); null when unused or given per module.
   */
  public List<Integer> trainableTokenIndices() { return trainableTokenIndices; }
  /** trainable_token_indices as a dict: embedding module name (suffix) to its rows; empty when unused or a list. */
  public Map<String, List<Integer>> trainableTokens() { return trainableTokens; }
  /** Whether the adapter trains embedding rows (either form of trainable_token_indices). */
  public boolean hasTrainableTokens() { return trainableTokenIndices != null || !trainableTokens.isEmpty(); }

  /** The one place that decides which modules are targets and which are saved in full. */
  public ModuleMatcher matcher() { return matcher; }

  /** Whether {@code moduleName} is a target (PEFT's {@code check_target_module_exists}); see {@link ModuleMatcher}. */
  public boolean matchesTarget(String moduleName) {
    return matcher.isTarget(moduleName);
  }

  /** The rank for a module: rank_pattern's first matching key, else r. */
  public int rankFor(String moduleName) {
    String key = patternKey(rankPattern.keySet(), moduleName);
    return key == null ? r : rankPattern.get(key);
  }

  /** lora_alpha for a module: alpha_pattern's first matching key, else lora_alpha. */
  public float alphaFor(String moduleName) {
    String key = patternKey(alphaPattern.keySet(), moduleName);
    return key == null ? loraAlpha : alphaPattern.get(key);
  }

  /** alpha / r, or alpha / sqrt(r) with rsLoRA. */
  public float scalingFor(String moduleName) {
    int rank = rankFor(moduleName);
    float alpha = alphaFor(moduleName);
    return useRslora ? (float) (alpha / Math.sqrt(rank)) : alpha / rank;
  }

  private static String patternKey(Iterable<String> keys, String moduleName) {
    for (String key : keys) {
      if (Pattern.compile("(.*\\.)?" + key).matcher(moduleName).matches()) return key;
    }
    return null;
  }

  // ------------------------------------------------------------------ JSON (PEFT's adapter_config.json)

  /** The config as PEFT's adapter_config.json ({@code "peft_type": "LORA"}); see {@link PeftConfigCodec}. */
  public String toPeftJson() {
    return PeftConfigCodec.write(this, r, loraAlpha, rankPattern, alphaPattern);
  }

  /** Reads PEFT's adapter_config.json; see {@link PeftConfigCodec#read}. */
  public static LoraConfig fromPeftJson(String json, String source) {
    return PeftConfigCodec.read(json, source);
  }

  @Override
  public String toString() {
    return "LoraConfig{r=" + r + ", lora_alpha=" + loraAlpha + ", lora_dropout=" + loraDropout
        + ", target_modules=" + (targetRegex != null ? "/" + targetRegex + "/" : targetModules)
        + (enableLora != null ? ", enable_lora=" + enableLora : "") + ", bias=" + bias.peftName()
        + (excludeRegex != null ? ", exclude_modules=/" + excludeRegex + "/" : excludeModules.isEmpty() ? "" : ", exclude_modules=" + excludeModules)
        + (layersToTransform.isEmpty() ? "" : ", layers_to_transform=" + layersToTransform
            + (layersPattern.isEmpty() ? "" : " in " + layersPattern))
        + (useRslora ? ", rslora" : "") + (useDora ? ", dora" : "")
        + (trainableTokenIndices != null ? ", trainable_token_indices=" + trainableTokenIndices
            : trainableTokens.isEmpty() ? "" : ", trainable_token_indices=" + trainableTokens) + "}";
  }

  /** Builder with PEFT's defaults (r 8, alpha 8, dropout 0, bias none). */
  public static final class Builder {
    private int r = 8;
    private float loraAlpha = 8;
    private float loraDropout = 0;
    private List<String> targetModules;
    private String targetRegex;
    private List<String> modulesToSave = new ArrayList<>();
    private Bias bias = Bias.NONE;
    private boolean fanInFanOut;
    private boolean useRslora;
    private InitLoraWeights initLoraWeights = InitLoraWeights.DEFAULT;
    private Map<String, Integer> rankPattern = new LinkedHashMap<>();
    private Map<String, Float> alphaPattern = new LinkedHashMap<>();
    private List<Boolean> enableLora;
    private boolean mergeWeights;
    private long seed = 0;
    private List<String> excludeModules = new ArrayList<>();
    private String excludeRegex;
    private List<Integer> layersToTransform = new ArrayList<>();
    private List<String> layersPattern = new ArrayList<>();
    private boolean useDora;
    private int pissaNiter;
    private boolean loraBias;
    private List<Integer> trainableTokenIndices;
    private Map<String, List<Integer>> trainableTokens = new LinkedHashMap<>();

    private Builder() {}

    public Builder r(int r) { this.r = r; return this; }
    public Builder loraAlpha(float alpha) { this.loraAlpha = alpha; return this; }
    public Builder loraDropout(float p) { this.loraDropout = p; return this; }
    public Builder targetModules(String... names) { return targetModules(List.of(names)); }
    public Builder targetModules(List<String> names) { this.targetModules = new ArrayList<>(names); this.targetRegex = null; return this; }
    public Builder targetRegex(String regex) { this.targetRegex = regex; this.targetModules = null; return this; }
    public Builder modulesToSave(String... names) { return modulesToSave(List.of(names)); }
    public Builder modulesToSave(List<String> names) { this.modulesToSave = new ArrayList<>(names); return this; }
    public Builder bias(Bias bias) { this.bias = bias; return this; }
    public Builder fanInFanOut(boolean v) { this.fanInFanOut = v; return this; }
    public Builder useRslora(boolean v) { this.useRslora = v; return this; }
    public Builder initLoraWeights(InitLoraWeights v) { this.initLoraWeights = v; return this; }
    public Builder rankPattern(String key, int rank) { this.rankPattern.put(key, rank); return this; }
    public Builder alphaPattern(String key, float alpha) { this.alphaPattern.put(key, alpha); return this; }
    /** Replaces the whole rank_pattern. */
    public Builder rankPattern(Map<String, Integer> pattern) { this.rankPattern = new LinkedHashMap<>(pattern); return this; }
    /** Replaces the whole alpha_pattern. */
    public Builder alphaPattern(Map<String, Float> pattern) { this.alphaPattern = new LinkedHashMap<>(pattern); return this; }
    public Builder enableLora(Boolean... mask) { this.enableLora = List.of(mask); return this; }
    public Builder enableLora(List<Boolean> mask) { this.enableLora = mask == null ? null : new ArrayList<>(mask); return this; }
    public Builder mergeWeights(boolean v) { this.mergeWeights = v; return this; }
    public Builder seed(long seed) { this.seed = seed; return this; }
    public Builder excludeModules(String... names) { return excludeModules(List.of(names)); }
    public Builder excludeModules(List<String> names) { this.excludeModules = new ArrayList<>(names); this.excludeRegex = null; return this; }
    public Builder excludeRegex(String regex) { this.excludeRegex = regex; this.excludeModules = new ArrayList<>(); return this; }
    public Builder layersToTransform(Integer... indices) { return layersToTransform(List.of(indices)); }
    public Builder layersToTransform(List<Integer> indices) { this.layersToTransform = new ArrayList<>(indices); return this; }
    public Builder layersPattern(String... names) { return layersPattern(List.of(names)); }
    public Builder layersPattern(List<String> names) { this.layersPattern = new ArrayList<>(names); return this; }
    public Builder useDora(boolean v) { this.useDora = v; return this; }
    /** PiSSA with the randomized SVD and {@code niter} subspace iterations (PEFT's "pissa_niter_N"); 0: exact. */
    public Builder pissaNiter(int niter) { this.pissaNiter = niter; return this; }
    public Builder loraBias(boolean v) { this.loraBias = v; return this; }
    /** trainable_token_indices as a list: these rows of the model's input embedding train. */
    public Builder trainableTokenIndices(Integer... indices) { return trainableTokenIndices(List.of(indices)); }
    /** trainable_token_indices as a list (null: unused); replaces a per-module form. */
    public Builder trainableTokenIndices(List<Integer> indices) {
      this.trainableTokenIndices = indices == null ? null : new ArrayList<>(indices);
      this.trainableTokens = new LinkedHashMap<>();
      return this;
    }
    /** trainable_token_indices as a dict {embedding module name: rows}; replaces a list form. */
    public Builder trainableTokenIndices(Map<String, List<Integer>> perModule) {
      this.trainableTokens = new LinkedHashMap<>(perModule);
      this.trainableTokenIndices = null;
      return this;
    }

    /** Validates and builds; errors name the field at fault. */
    public LoraConfig build() {
      if (r < 0) throw new IllegalArgumentException("r must be >= 0, got " + r);
      if (!(loraDropout >= 0 && loraDropout < 1)) {
        throw new IllegalArgumentException("lora_dropout must be in [0, 1), got " + loraDropout);
      }
      if (targetModules == null && targetRegex == null) {
        throw new IllegalArgumentException("target_modules is required (a list of module-name suffixes or one regex)");
      }
      if (targetModules != null && targetModules.isEmpty()) {
        throw new IllegalArgumentException("target_modules is an empty list");
      }
      requireRegex("target_modules", targetRegex);
      requireRegex("exclude_modules", excludeRegex);
      if (targetRegex != null && !layersToTransform.isEmpty()) {
        // PEFT refuses this too: a regex already says which layers it means
        throw new IllegalArgumentException("layers_to_transform cannot be used when target_modules is a regex");
      }
      if (!layersPattern.isEmpty() && layersToTransform.isEmpty()) {
        throw new IllegalArgumentException("layers_pattern " + layersPattern + " needs layers_to_transform");
      }
      if (pissaNiter < 0) throw new IllegalArgumentException("pissa_niter must be >= 0, got " + pissaNiter);
      if (pissaNiter > 0 && initLoraWeights != InitLoraWeights.PISSA) {
        throw new IllegalArgumentException("pissa_niter " + pissaNiter + " is set but init_lora_weights is " + initLoraWeights.peftName());
      }
      if (loraBias && useDora) throw new IllegalArgumentException("lora_bias is not supported with use_dora (nor by PEFT)");
      if (loraBias && initLoraWeights != InitLoraWeights.DEFAULT && initLoraWeights != InitLoraWeights.RANDOM) {
        throw new IllegalArgumentException("lora_bias needs init_lora_weights true or false (as PEFT), got "
            + initLoraWeights.peftName());
      }
      if (useDora && enableLora != null) {
        throw new IllegalArgumentException("use_dora with enable_lora: DoRA is implemented for plain LoRA layers only");
      }
      rankPattern.forEach((k, v) -> {
        if (v <= 0) throw new IllegalArgumentException("rank_pattern['" + k + "'] must be > 0, got " + v);
      });
      requireTokenIndices(trainableTokenIndices, "trainable_token_indices");
      trainableTokens.forEach((module, ids) -> {
        requireTokenIndices(ids, "trainable_token_indices['" + module + "']");
        if (modulesToSave.contains(module)) {
          // PEFT refuses it too: the whole table would train and a few rows of it as well
          throw new IllegalArgumentException("'" + module + "' is in modules_to_save and in trainable_token_indices; "
              + "train the whole embedding or some rows of it, not both");
        }
      });
      if (enableLora != null && (enableLora.isEmpty() || !enableLora.contains(Boolean.TRUE))) {
        throw new IllegalArgumentException("enable_lora " + enableLora + " enables no slice");
      }
      return new LoraConfig(this);
    }

    private static void requireTokenIndices(List<Integer> ids, String field) {
      if (ids == null) return;
      if (ids.isEmpty()) throw new IllegalArgumentException(field + " is an empty list");
      for (Integer i : ids) {
        if (i == null || i < 0) throw new IllegalArgumentException(field + " " + ids + " holds " + i + "; token ids are >= 0");
      }
    }

    private static void requireRegex(String field, String regex) {
      if (regex == null) return;
      try {
        Pattern.compile(regex);
      } catch (PatternSyntaxException e) {
        throw new IllegalArgumentException(field + " regex '" + regex + "' is invalid: " + e.getDescription());
      }
    }
  }
}
