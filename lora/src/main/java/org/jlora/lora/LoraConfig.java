package org.jlora.lora;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Iterator;
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
 * <p>Targets follow PEFT: a list matches a module whose dotted name equals an entry or ends with
 * {@code "." + entry}; a single {@link Builder#targetRegex regex} must match the whole name.
 * {@code rank_pattern} / {@code alpha_pattern} override r and alpha for modules whose name matches
 * {@code (.*\.)?<key>} (PEFT's rule). {@code enable_lora} is loralib's MergedLinear mask (e.g.
 * {@code [true, false, true]} adapts q and v of a fused qkv projection); PEFT has no such field, so
 * adapters save it only in the safetensors metadata and export MergedLinear as a plain LoRA.
 */
public final class LoraConfig {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

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

  /** Whether {@code moduleName} is a target (PEFT's {@code check_target_module_exists}). */
  public boolean matchesTarget(String moduleName) {
    if (targetRegex != null) return Pattern.compile(targetRegex).matcher(moduleName).matches();
    for (String t : targetModules) {
      if (moduleName.equals(t) || moduleName.endsWith("." + t)) return true;
    }
    return false;
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

  /** The config as PEFT's adapter_config.json ({@code "peft_type": "LORA"}). */
  public String toPeftJson() {
    return toPeftJson(r, loraAlpha, rankPattern, alphaPattern);
  }

  /** As {@link #toPeftJson()} with ranks and alphas replaced (MergedLinear export widens ranks). */
  String toPeftJson(int rOut, float alphaOut, Map<String, Integer> ranks, Map<String, Float> alphas) {
    ObjectNode o = JSON.createObjectNode();
    o.put("peft_type", "LORA");
    o.putNull("task_type");
    o.putNull("base_model_name_or_path");
    o.put("inference_mode", true);
    o.put("r", rOut);
    o.put("lora_alpha", alphaOut);
    o.put("lora_dropout", loraDropout);
    if (targetRegex != null) {
      o.put("target_modules", targetRegex);
    } else {
      ArrayNode t = o.putArray("target_modules");
      targetModules.forEach(t::add);
    }
    if (modulesToSave.isEmpty()) {
      o.putNull("modules_to_save");
    } else {
      ArrayNode m = o.putArray("modules_to_save");
      modulesToSave.forEach(m::add);
    }
    o.put("bias", bias.peftName());
    o.put("fan_in_fan_out", fanInFanOut);
    o.put("use_rslora", useRslora);
    o.put("use_dora", false);
    switch (initLoraWeights) {
      case DEFAULT -> o.put("init_lora_weights", true);
      case GAUSSIAN -> o.put("init_lora_weights", "gaussian");
      case RANDOM -> o.put("init_lora_weights", false);
    }
    ObjectNode rp = o.putObject("rank_pattern");
    ranks.forEach(rp::put);
    ObjectNode ap = o.putObject("alpha_pattern");
    alphas.forEach(ap::put);
    try {
      return JSON.writeValueAsString(o);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads PEFT's adapter_config.json. Keys PEFT writes that jlora has no use for are ignored;
   * features jlora does not implement (DoRA, non-LORA peft types) are refused with a clear error.
   *
   * @param source names the file in error messages
   */
  public static LoraConfig fromPeftJson(String json, String source) {
    JsonNode o;
    try {
      o = JSON.readTree(json);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (o == null || !o.isObject()) throw new IllegalArgumentException(source + ": expected a JSON object");
    String type = o.path("peft_type").asText("LORA");
    if (!type.equals("LORA")) {
      throw new IllegalArgumentException(source + ": peft_type is '" + type + "'; jlora reads LORA adapters only");
    }
    if (o.path("use_dora").asBoolean(false)) {
      throw new IllegalArgumentException(source + ": use_dora is true; jlora does not implement DoRA");
    }
    refuseMeaningChangingFields(o, source);
    Builder b = builder();
    if (o.has("r")) b.r(requireInt(o.get("r"), "r", source));
    if (o.has("lora_alpha")) b.loraAlpha(requireFloat(o.get("lora_alpha"), "lora_alpha", source));
    if (o.has("lora_dropout")) b.loraDropout(requireFloat(o.get("lora_dropout"), "lora_dropout", source));
    JsonNode t = o.path("target_modules");
    if (t.isTextual()) {
      b.targetRegex(t.asText());
    } else if (t.isArray()) {
      b.targetModules(names(t, "target_modules", source));
    } else {
      throw new IllegalArgumentException(source + ": target_modules must be a list of names or a regex string");
    }
    JsonNode m = o.path("modules_to_save");
    if (m.isArray()) {
      b.modulesToSave(names(m, "modules_to_save", source));
    }
    if (o.has("bias")) {
      try {
        b.bias(Bias.fromPeft(o.get("bias").asText()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
      }
    }
    if (o.has("fan_in_fan_out")) b.fanInFanOut(o.get("fan_in_fan_out").asBoolean());
    if (o.has("use_rslora")) b.useRslora(o.get("use_rslora").asBoolean());
    JsonNode init = o.path("init_lora_weights");
    if (init.isBoolean()) {
      b.initLoraWeights(init.asBoolean() ? InitLoraWeights.DEFAULT : InitLoraWeights.RANDOM);
    } else if (init.isTextual()) {
      if (!init.asText().equals("gaussian")) {
        throw new IllegalArgumentException(source + ": init_lora_weights '" + init.asText()
            + "' is not supported (true, false or \"gaussian\")");
      }
      b.initLoraWeights(InitLoraWeights.GAUSSIAN);
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = o.path("rank_pattern").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      b.rankPattern(e.getKey(), requireInt(e.getValue(), "rank_pattern['" + e.getKey() + "']", source));
    }
    for (Iterator<Map.Entry<String, JsonNode>> it = o.path("alpha_pattern").fields(); it.hasNext(); ) {
      Map.Entry<String, JsonNode> e = it.next();
      b.alphaPattern(e.getKey(), requireFloat(e.getValue(), "alpha_pattern['" + e.getKey() + "']", source));
    }
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  /**
   * PEFT fields that change what the adapter computes or which layers it touches, with what they
   * are. jlora does not implement them yet, so an adapter that sets one is refused by the field's
   * name rather than loaded with different semantics (null, false and empty are PEFT's defaults).
   */
  private static final Map<String, String> UNSUPPORTED_FIELDS = new java.util.LinkedHashMap<>();

  static {
    UNSUPPORTED_FIELDS.put("exclude_modules", "modules kept out of the target set");
    UNSUPPORTED_FIELDS.put("lora_bias", "a trainable bias on lora_B");
    UNSUPPORTED_FIELDS.put("trainable_token_indices", "selected embedding rows trained alongside the adapter");
    UNSUPPORTED_FIELDS.put("target_parameters", "LoRA on raw parameters (e.g. MoE experts) rather than modules");
    UNSUPPORTED_FIELDS.put("alora_invocation_tokens", "activated LoRA, which applies only after the invocation tokens");
    UNSUPPORTED_FIELDS.put("use_qalora", "QA-LoRA's pooled input for quantized bases");
    UNSUPPORTED_FIELDS.put("megatron_config", "LoRA on Megatron's parallel linear layers");
    UNSUPPORTED_FIELDS.put("layers_to_transform", "LoRA on selected layer indices only");
    UNSUPPORTED_FIELDS.put("layers_pattern", "the layer-list name that layers_to_transform indexes");
    UNSUPPORTED_FIELDS.put("layer_replication", "layers duplicated before adapting");
    // PEFT 0.21's newer LoRA variants, each configured by its own field (null when unused)
    for (String variant : new String[] {"use_bdlora", "arrow_config", "kasa_config", "monteclora_config", "velora_config"}) {
      UNSUPPORTED_FIELDS.put(variant, "a PEFT LoRA variant that changes the adapter's forward");
    }
  }

  private static void refuseMeaningChangingFields(JsonNode o, String source) {
    for (Map.Entry<String, String> f : UNSUPPORTED_FIELDS.entrySet()) {
      JsonNode v = o.path(f.getKey());
      boolean unset = v.isMissingNode() || v.isNull() || (v.isBoolean() && !v.asBoolean())
          || (v.isContainerNode() && v.isEmpty());
      if (!unset) {
        throw new IllegalArgumentException(source + ": " + f.getKey() + " is " + v + " (" + f.getValue()
            + "); jlora does not implement it yet, so it cannot load this adapter faithfully");
      }
    }
  }

  private static int requireInt(JsonNode v, String key, String source) {
    if (!v.canConvertToInt() || !v.isIntegralNumber()) {
      throw new IllegalArgumentException(source + ": " + key + " must be an integer, got " + v);
    }
    return v.asInt();
  }

  /** A number that fits a float: text ("16") or an overflow (1e39) would silently become 0 or Infinity. */
  private static float requireFloat(JsonNode v, String key, String source) {
    if (!v.isNumber() || !Float.isFinite((float) v.asDouble())) {
      throw new IllegalArgumentException(source + ": " + key + " must be a finite number, got " + v);
    }
    return (float) v.asDouble();
  }

  /** A list of module names: each entry a string (a number or null would silently become the name "1" or "null"). */
  private static List<String> names(JsonNode list, String key, String source) {
    List<String> names = new ArrayList<>();
    for (JsonNode n : list) {
      if (!n.isTextual()) throw new IllegalArgumentException(source + ": " + key + " must list module names, got " + list);
      names.add(n.asText());
    }
    return names;
  }

  @Override
  public String toString() {
    return "LoraConfig{r=" + r + ", lora_alpha=" + loraAlpha + ", lora_dropout=" + loraDropout
        + ", target_modules=" + (targetRegex != null ? "/" + targetRegex + "/" : targetModules)
        + (enableLora != null ? ", enable_lora=" + enableLora : "") + ", bias=" + bias.peftName()
        + (useRslora ? ", rslora" : "") + "}";
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
      if (targetRegex != null) {
        try {
          Pattern.compile(targetRegex);
        } catch (PatternSyntaxException e) {
          throw new IllegalArgumentException("target_modules regex '" + targetRegex + "' is invalid: " + e.getDescription());
        }
      }
      rankPattern.forEach((k, v) -> {
        if (v <= 0) throw new IllegalArgumentException("rank_pattern['" + k + "'] must be > 0, got " + v);
      });
      if (enableLora != null && (enableLora.isEmpty() || !enableLora.contains(Boolean.TRUE))) {
        throw new IllegalArgumentException("enable_lora " + enableLora + " enables no slice");
      }
      return new LoraConfig(this);
    }
  }
}
