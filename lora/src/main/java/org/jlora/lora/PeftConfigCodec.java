package org.jlora.lora;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@link LoraConfig} as PEFT 0.21's {@code adapter_config.json}: the one place that knows PEFT's
 * field names and spellings. Fields PEFT writes that do not change what the adapter computes
 * (task_type, revision, ...) are ignored on reading; fields that do and that jlora does not
 * implement are refused by name ({@link #UNSUPPORTED_FIELDS}), never ignored.
 */
public final class PeftConfigCodec {
  private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private PeftConfigCodec() {}

  /**
   * PEFT fields that change what the adapter computes or which layers it touches, with what they
   * are. jlora does not implement them yet, so an adapter that sets one is refused by the field's
   * name rather than loaded with different semantics (null, false and empty are PEFT's defaults).
   */
  static final Map<String, String> UNSUPPORTED_FIELDS = new LinkedHashMap<>();

  static {
    UNSUPPORTED_FIELDS.put("target_parameters", "LoRA on raw parameters (e.g. MoE experts) rather than modules");
    UNSUPPORTED_FIELDS.put("alora_invocation_tokens", "activated LoRA, which applies only after the invocation tokens");
    UNSUPPORTED_FIELDS.put("use_qalora", "QA-LoRA's pooled input for quantized bases");
    UNSUPPORTED_FIELDS.put("megatron_config", "LoRA on Megatron's parallel linear layers");
    UNSUPPORTED_FIELDS.put("layer_replication", "layers duplicated before adapting");
    // PEFT 0.21's newer LoRA variants, each configured by its own field (null when unused)
    for (String variant : new String[] {"use_bdlora", "arrow_config", "kasa_config", "monteclora_config", "velora_config"}) {
      UNSUPPORTED_FIELDS.put(variant, "a PEFT LoRA variant that changes the adapter's forward");
    }
  }

  /** The config as adapter_config.json, with ranks and alphas as given (MergedLinear export widens them). */
  static String write(LoraConfig c, int rOut, float alphaOut, Map<String, Integer> ranks, Map<String, Float> alphas) {
    ObjectNode o = JSON.createObjectNode();
    o.put("peft_type", "LORA");
    o.putNull("task_type");
    o.putNull("base_model_name_or_path");
    o.put("inference_mode", true);
    o.put("r", rOut);
    o.put("lora_alpha", alphaOut);
    o.put("lora_dropout", c.loraDropout());
    if (c.targetRegex() != null) {
      o.put("target_modules", c.targetRegex());
    } else {
      ArrayNode t = o.putArray("target_modules");
      c.targetModules().forEach(t::add);
    }
    if (c.excludeRegex() != null) {
      o.put("exclude_modules", c.excludeRegex());
    } else if (c.excludeModules().isEmpty()) {
      o.putNull("exclude_modules");
    } else {
      ArrayNode e = o.putArray("exclude_modules");
      c.excludeModules().forEach(e::add);
    }
    if (c.layersToTransform().isEmpty()) {
      o.putNull("layers_to_transform");
    } else {
      ArrayNode l = o.putArray("layers_to_transform");
      c.layersToTransform().forEach(l::add);
    }
    if (c.layersPattern().isEmpty()) {
      o.putNull("layers_pattern");
    } else {
      ArrayNode l = o.putArray("layers_pattern");
      c.layersPattern().forEach(l::add);
    }
    if (c.modulesToSave().isEmpty()) {
      o.putNull("modules_to_save");
    } else {
      ArrayNode m = o.putArray("modules_to_save");
      c.modulesToSave().forEach(m::add);
    }
    o.put("bias", c.bias().peftName());
    o.put("fan_in_fan_out", c.fanInFanOut());
    o.put("use_rslora", c.useRslora());
    o.put("use_dora", c.useDora());
    o.put("lora_bias", c.loraBias());
    switch (c.initLoraWeights()) {
      case DEFAULT -> o.put("init_lora_weights", true);
      case RANDOM -> o.put("init_lora_weights", false);
      case PISSA -> o.put("init_lora_weights", c.pissaNiter() == 0 ? "pissa" : "pissa_niter_" + c.pissaNiter());
      default -> o.put("init_lora_weights", c.initLoraWeights().peftName());
    }
    if (c.trainableTokenIndices() != null) {
      ArrayNode t = o.putArray("trainable_token_indices");
      c.trainableTokenIndices().forEach(t::add);
    } else if (!c.trainableTokens().isEmpty()) {
      ObjectNode t = o.putObject("trainable_token_indices");
      c.trainableTokens().forEach((module, ids) -> ids.forEach(t.putArray(module)::add));
    } else {
      o.putNull("trainable_token_indices");
    }
    ObjectNode rp = o.putObject("rank_pattern");
    ranks.forEach(rp::put);
    ObjectNode ap = o.putObject("alpha_pattern");
    alphas.forEach(ap::put);
    try {
      return JSON.writeValueAsString(o);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * Reads adapter_config.json. Keys PEFT writes that jlora has no use for are ignored; features
   * jlora does not implement (non-LORA peft types, {@link #UNSUPPORTED_FIELDS}) are refused.
   *
   * @param source names the file in error messages
   */
  static LoraConfig read(String json, String source) {
    JsonNode o;
    try {
      o = JSON.readTree(json);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(source + ": not valid JSON: " + e.getOriginalMessage(), e);
    }
    if (o == null || !o.isObject()) throw new IllegalArgumentException(source + ": expected a JSON object");
    String type = o.path("peft_type").asText("LORA");
    if (!type.equals("LORA")) {
      throw new IllegalArgumentException(source + ": peft_type is '" + type + "'; jlora reads LORA adapters only");
    }
    refuseMeaningChangingFields(o, source);
    LoraConfig.Builder b = LoraConfig.builder();
    if (o.has("r")) b.r(requireInt(o.get("r"), "r", source));
    if (o.has("lora_alpha")) b.loraAlpha(requireFloat(o.get("lora_alpha"), "lora_alpha", source));
    if (o.has("lora_dropout")) b.loraDropout(requireFloat(o.get("lora_dropout"), "lora_dropout", source));
    JsonNode t = o.path("target_modules");
    if (t.isTextual()) {
      b.targetRegex(t.asText());
    } else if (t.isArray()) {
      b.targetModules(strings(t, "target_modules", source));
    } else {
      throw new IllegalArgumentException(source + ": target_modules must be a list of names or a regex string");
    }
    JsonNode ex = o.path("exclude_modules");
    if (ex.isTextual()) b.excludeRegex(ex.asText());
    else if (ex.isArray()) b.excludeModules(strings(ex, "exclude_modules", source));
    JsonNode layers = o.path("layers_to_transform");
    if (layers.isIntegralNumber()) {
      b.layersToTransform(layers.asInt());
    } else if (layers.isArray()) {
      List<Integer> idx = new ArrayList<>();
      layers.forEach(n -> idx.add(requireInt(n, "layers_to_transform", source)));
      b.layersToTransform(idx);
    }
    JsonNode lp = o.path("layers_pattern");
    if (lp.isTextual() && !lp.asText().isEmpty()) b.layersPattern(lp.asText());
    else if (lp.isArray()) b.layersPattern(strings(lp, "layers_pattern", source));
    JsonNode m = o.path("modules_to_save");
    if (m.isArray()) b.modulesToSave(strings(m, "modules_to_save", source));
    if (o.has("bias")) {
      try {
        b.bias(Bias.fromPeft(o.get("bias").asText()));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
      }
    }
    if (o.has("fan_in_fan_out")) b.fanInFanOut(o.get("fan_in_fan_out").asBoolean());
    if (o.has("use_rslora")) b.useRslora(o.get("use_rslora").asBoolean());
    if (o.has("use_dora")) b.useDora(o.get("use_dora").asBoolean());
    if (o.has("lora_bias")) b.loraBias(o.get("lora_bias").asBoolean());
    readTrainableTokens(o.path("trainable_token_indices"), b, source);
    JsonNode init = o.path("init_lora_weights");
    if (init.isBoolean()) {
      b.initLoraWeights(init.asBoolean() ? InitLoraWeights.DEFAULT : InitLoraWeights.RANDOM);
    } else if (init.isTextual()) {
      readInit(init.asText(), b, source);
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

  /** "gaussian", "pissa", "pissa_niter_N", "olora", "orthogonal"; anything else is refused by its value. */
  private static void readInit(String init, LoraConfig.Builder b, String source) {
    String niterPrefix = "pissa_niter_";
    if (init.startsWith(niterPrefix)) {
      try {
        b.initLoraWeights(InitLoraWeights.PISSA).pissaNiter(Integer.parseInt(init.substring(niterPrefix.length())));
        return;
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException(source + ": init_lora_weights '" + init + "': N in pissa_niter_N must be an integer");
      }
    }
    for (InitLoraWeights w : InitLoraWeights.values()) {
      if (w != InitLoraWeights.DEFAULT && w != InitLoraWeights.RANDOM && w.peftName().equals(init)) {
        b.initLoraWeights(w);
        return;
      }
    }
    throw new IllegalArgumentException(source + ": init_lora_weights '" + init + "' is not supported by jlora "
        + "(true, false, \"gaussian\", \"pissa\", \"pissa_niter_N\", \"olora\", \"orthogonal\"; PEFT's corda, eva, "
        + "loftq, lora_ga, mica and the rest are data- or quantization-driven initialisations jlora does not have)");
  }

  /** trainable_token_indices: null, a list of token ids, or {module name: list of ids}. */
  private static void readTrainableTokens(JsonNode t, LoraConfig.Builder b, String source) {
    if (t.isMissingNode() || t.isNull()) return;
    if (t.isArray()) {
      b.trainableTokenIndices(tokenIds(t, "trainable_token_indices", source));
    } else if (t.isObject()) {
      Map<String, List<Integer>> perModule = new LinkedHashMap<>();
      for (Iterator<Map.Entry<String, JsonNode>> it = t.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> e = it.next();
        if (!e.getValue().isArray()) {
          throw new IllegalArgumentException(source + ": trainable_token_indices['" + e.getKey() + "'] must be a list of token ids");
        }
        perModule.put(e.getKey(), tokenIds(e.getValue(), "trainable_token_indices['" + e.getKey() + "']", source));
      }
      b.trainableTokenIndices(perModule);
    } else {
      throw new IllegalArgumentException(source + ": trainable_token_indices must be a list of token ids or "
          + "{module name: list of token ids}, got " + t);
    }
  }

  private static List<Integer> tokenIds(JsonNode array, String field, String source) {
    List<Integer> ids = new ArrayList<>();
    for (JsonNode n : array) {
      if (!n.isIntegralNumber() || !n.canConvertToInt()) {
        throw new IllegalArgumentException(source + ": " + field + " must hold integer token ids, got " + n);
      }
      ids.add(n.asInt());
    }
    return ids;
  }

  /** A list of names: each entry a string (a number or null would silently become the name "1" or "null"). */
  private static List<String> strings(JsonNode array, String key, String source) {
    List<String> out = new ArrayList<>();
    for (JsonNode n : array) {
      if (!n.isTextual()) throw new IllegalArgumentException(source + ": " + key + " must list names, got " + array);
      out.add(n.asText());
    }
    return out;
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
}
