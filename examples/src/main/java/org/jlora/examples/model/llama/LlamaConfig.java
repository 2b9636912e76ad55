package org.jlora.examples.model.llama;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.jlora.engine.RopeLayout;

/**
 * The shape of a Llama-family model (Llama 1-3, SmolLM2, TinyLlama: {@code "llama"}; Qwen2/2.5:
 * {@code "qwen2"}), built by name:
 *
 * <pre>{@code
 * LlamaConfig cfg = LlamaConfig.builder().vocabSize(512).hiddenSize(64).intermediateSize(172)
 *     .numLayers(5).numHeads(8).numKvHeads(4).maxPositions(512).tieEmbeddings(true).build();
 * }</pre>
 *
 * or read from a Hugging Face {@code config.json} ({@link #fromHfConfig}). Fields that would change
 * what the model computes and are not implemented (other RoPE scalings, sliding windows, MLP
 * biases, activations other than SiLU) are refused by name, never ignored.
 *
 * @param attentionBias q, k and v projections have biases (always for Qwen2; Llama's
 *     {@code attention_bias} also puts one on o_proj, see {@link #outputBias()})
 * @param ropeLayout which feature pairs RoPE rotates; Hugging Face checkpoints are {@code HALVES}
 * @param bosTokenId beginning-of-sequence id, or -1 when none is known
 * @param eosTokenId end-of-sequence id, or -1 when none is known
 */
public record LlamaConfig(String modelType, int vocabSize, int hiddenSize, int intermediateSize, int numLayers,
                          int numHeads, int numKvHeads, int headDim, int maxPositions, float rmsEps, float ropeTheta,
                          boolean tieEmbeddings, boolean attentionBias, RopeLayout ropeLayout, int bosTokenId,
                          int eosTokenId) {
  private static final ObjectMapper JSON = new ObjectMapper();

  public LlamaConfig {
    if (!"llama".equals(modelType) && !"qwen2".equals(modelType)) {
      throw new IllegalArgumentException("LlamaConfig: model type '" + modelType + "' is not one of llama, qwen2");
    }
    if (vocabSize < 1 || hiddenSize < 1 || intermediateSize < 1 || numLayers < 1 || numHeads < 1 || numKvHeads < 1
        || headDim < 2 || maxPositions < 1) {
      throw new IllegalArgumentException("LlamaConfig: sizes must be positive: " + sizes());
    }
    if (numHeads % numKvHeads != 0) {
      throw new IllegalArgumentException("LlamaConfig: " + numHeads + " heads are not a multiple of " + numKvHeads
          + " key/value heads");
    }
    if (headDim % 2 != 0) throw new IllegalArgumentException("LlamaConfig: RoPE needs an even head_dim, got " + headDim);
    if (!(rmsEps > 0) || !(ropeTheta > 0)) {
      throw new IllegalArgumentException("LlamaConfig: rms_norm_eps " + rmsEps + " and rope_theta " + ropeTheta
          + " must be positive");
    }
    if (ropeLayout == null) throw new IllegalArgumentException("LlamaConfig: ropeLayout is null");
  }

  private String sizes() {
    return "vocab " + vocabSize + ", hidden " + hiddenSize + ", intermediate " + intermediateSize + ", layers "
        + numLayers + ", heads " + numHeads + "/" + numKvHeads + ", head_dim " + headDim + ", positions " + maxPositions;
  }

  /** Whether o_proj has a bias: Llama's {@code attention_bias} puts one there, Qwen2 never does. */
  public boolean outputBias() {
    return attentionBias && "llama".equals(modelType);
  }

  /** Width of the key and value projections: numKvHeads · headDim. */
  public int kvDim() {
    return numKvHeads * headDim;
  }

  /** A builder with Llama 2's defaults (RMS eps 1e-5, theta 10000, halves layout, untied, no biases). */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this config's values, to derive a variant. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.modelType = modelType;
    b.vocabSize = vocabSize;
    b.hiddenSize = hiddenSize;
    b.intermediateSize = intermediateSize;
    b.numLayers = numLayers;
    b.numHeads = numHeads;
    b.numKvHeads = numKvHeads;
    b.headDim = headDim;
    b.maxPositions = maxPositions;
    b.rmsEps = rmsEps;
    b.ropeTheta = ropeTheta;
    b.tieEmbeddings = tieEmbeddings;
    b.attentionBias = attentionBias;
    b.ropeLayout = ropeLayout;
    b.bosTokenId = bosTokenId;
    b.eosTokenId = eosTokenId;
    return b;
  }

  /** Named setters; numKvHeads defaults to numHeads and headDim to hiddenSize / numHeads. */
  public static final class Builder {
    private String modelType = "llama";
    private int vocabSize;
    private int hiddenSize;
    private int intermediateSize;
    private int numLayers;
    private int numHeads;
    private int numKvHeads = -1;
    private int headDim = -1;
    private int maxPositions = 2048;
    private float rmsEps = 1e-5f;
    private float ropeTheta = 10000f;
    private boolean tieEmbeddings;
    private boolean attentionBias;
    private RopeLayout ropeLayout = RopeLayout.HALVES;
    private int bosTokenId = -1;
    private int eosTokenId = -1;

    private Builder() {}

    public Builder modelType(String v) { this.modelType = v; return this; }
    public Builder vocabSize(int v) { this.vocabSize = v; return this; }
    public Builder hiddenSize(int v) { this.hiddenSize = v; return this; }
    public Builder intermediateSize(int v) { this.intermediateSize = v; return this; }
    public Builder numLayers(int v) { this.numLayers = v; return this; }
    public Builder numHeads(int v) { this.numHeads = v; return this; }
    public Builder numKvHeads(int v) { this.numKvHeads = v; return this; }
    public Builder headDim(int v) { this.headDim = v; return this; }
    public Builder maxPositions(int v) { this.maxPositions = v; return this; }
    public Builder rmsEps(float v) { this.rmsEps = v; return this; }
    public Builder ropeTheta(float v) { this.ropeTheta = v; return this; }
    public Builder tieEmbeddings(boolean v) { this.tieEmbeddings = v; return this; }
    public Builder attentionBias(boolean v) { this.attentionBias = v; return this; }
    public Builder ropeLayout(RopeLayout v) { this.ropeLayout = v; return this; }
    public Builder bosTokenId(int v) { this.bosTokenId = v; return this; }
    public Builder eosTokenId(int v) { this.eosTokenId = v; return this; }

    public LlamaConfig build() {
      int kv = numKvHeads > 0 ? numKvHeads : numHeads;
      int hd = headDim > 0 ? headDim : (numHeads > 0 ? hiddenSize / numHeads : 0);
      return new LlamaConfig(modelType, vocabSize, hiddenSize, intermediateSize, numLayers, numHeads, kv, hd,
          maxPositions, rmsEps, ropeTheta, tieEmbeddings, attentionBias, ropeLayout, bosTokenId, eosTokenId);
    }
  }

  // ---------------------------------------------------------------- Hugging Face config.json

  /**
   * Reads a Hugging Face {@code LlamaForCausalLM} or {@code Qwen2ForCausalLM} config.json (as
   * transformers 4 and 5 write it: RoPE theta at the top level or under {@code rope_parameters}).
   * Unsupported settings are refused with a one-line message naming {@code file} and the key.
   */
  public static LlamaConfig fromHfConfig(JsonNode json, String file) {
    String type = text(json, "model_type", null, file);
    if (type == null) throw refuse(file, "model_type", "is missing; expected \"llama\" or \"qwen2\"");
    if (!type.equals("llama") && !type.equals("qwen2")) {
      throw refuse(file, "model_type", "is \"" + type + "\"; only \"llama\" and \"qwen2\" are supported");
    }
    boolean qwen2 = type.equals("qwen2");
    String act = text(json, "hidden_act", "silu", file);
    if (!act.equals("silu")) throw refuse(file, "hidden_act", "is \"" + act + "\"; only \"silu\" is supported");
    if (bool(json, "mlp_bias", false, file)) throw refuse(file, "mlp_bias", "is true; MLP biases are not supported");
    if (bool(json, "use_sliding_window", false, file)) {
      throw refuse(file, "use_sliding_window", "is true; sliding-window attention is not supported");
    }
    JsonNode layerTypes = json.get("layer_types");
    if (layerTypes != null && layerTypes.isArray()) {
      for (JsonNode lt : layerTypes) {
        if (!"full_attention".equals(lt.asText())) {
          throw refuse(file, "layer_types", "has \"" + lt.asText() + "\"; only full_attention is supported");
        }
      }
    }
    float theta = 10000f;
    for (String key : new String[] {"rope_scaling", "rope_parameters"}) {
      JsonNode rope = json.get(key);
      if (rope == null || rope.isNull()) continue;
      if (!rope.isObject()) throw refuse(file, key, "must be an object");
      String ropeType = rope.has("rope_type") ? rope.get("rope_type").asText() : rope.path("type").asText("default");
      if (!ropeType.equals("default")) {
        throw refuse(file, key, "has rope_type \"" + ropeType + "\"; only the default (unscaled) RoPE is supported");
      }
      if (rope.has("partial_rotary_factor") && rope.get("partial_rotary_factor").asDouble() != 1.0) {
        throw refuse(file, key + ".partial_rotary_factor", "is not 1; partial rotary embeddings are not supported");
      }
      if (rope.has("rope_theta")) theta = (float) number(rope, "rope_theta", file + " " + key);
    }
    if (json.hasNonNull("rope_theta")) theta = (float) number(json, "rope_theta", file);

    int hidden = integer(json, "hidden_size", -1, file);
    int heads = integer(json, "num_attention_heads", -1, file);
    Builder b = builder()
        .modelType(type)
        .vocabSize(integer(json, "vocab_size", -1, file))
        .hiddenSize(hidden)
        .intermediateSize(integer(json, "intermediate_size", -1, file))
        .numLayers(integer(json, "num_hidden_layers", -1, file))
        .numHeads(heads)
        .numKvHeads(integer(json, "num_key_value_heads", heads, file))
        .headDim(integer(json, "head_dim", heads > 0 ? hidden / heads : -1, file))
        .maxPositions(integer(json, "max_position_embeddings", qwen2 ? 32768 : 2048, file))
        .rmsEps((float) (json.hasNonNull("rms_norm_eps") ? number(json, "rms_norm_eps", file) : 1e-6))
        .ropeTheta(theta)
        .tieEmbeddings(bool(json, "tie_word_embeddings", false, file))
        .attentionBias(qwen2 || bool(json, "attention_bias", false, file))
        .ropeLayout(RopeLayout.HALVES)
        .bosTokenId(tokenId(json, "bos_token_id", file))
        .eosTokenId(eosId(json, file));
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      // the shape checks speak of fields; say which file they came from, without the class's name
      throw new IllegalArgumentException(file + ": " + e.getMessage().replaceFirst("^LlamaConfig: ", ""), e);
    }
  }

  /** A config.json transformers loads ({@code AutoConfig} / {@code AutoModelForCausalLM}), in transformers 5's form. */
  public ObjectNode toHfConfig() {
    if (ropeLayout != RopeLayout.HALVES) {
      throw new IllegalStateException("toHfConfig: a model in the " + ropeLayout + " RoPE layout has no Hugging Face"
          + " config; permute its q and k rows to the halves layout first");
    }
    boolean qwen2 = "qwen2".equals(modelType);
    if (qwen2 && !attentionBias) {
      throw new IllegalStateException("toHfConfig: Qwen2 always has q/k/v biases; this config has none");
    }
    ObjectNode o = JSON.createObjectNode();
    o.putArray("architectures").add(qwen2 ? "Qwen2ForCausalLM" : "LlamaForCausalLM");
    o.put("model_type", modelType);
    o.put("vocab_size", vocabSize);
    o.put("hidden_size", hiddenSize);
    o.put("intermediate_size", intermediateSize);
    o.put("num_hidden_layers", numLayers);
    o.put("num_attention_heads", numHeads);
    o.put("num_key_value_heads", numKvHeads);
    o.put("head_dim", headDim);
    o.put("max_position_embeddings", maxPositions);
    o.put("rms_norm_eps", rmsEps);
    ObjectNode rope = o.putObject("rope_parameters");
    rope.put("rope_theta", ropeTheta);
    rope.put("rope_type", "default");
    o.put("hidden_act", "silu");
    o.put("tie_word_embeddings", tieEmbeddings);
    if (!qwen2) {
      o.put("attention_bias", attentionBias);
      o.put("mlp_bias", false);
    } else {
      o.put("use_sliding_window", false);
    }
    if (bosTokenId >= 0) o.put("bos_token_id", bosTokenId);
    if (eosTokenId >= 0) o.put("eos_token_id", eosTokenId);
    o.put("dtype", "float32");   // transformers 5's key (4 read torch_dtype)
    return o;
  }

  private static int eosId(JsonNode json, String file) {
    JsonNode e = json.get("eos_token_id");
    if (e != null && e.isArray()) {   // several: the first
      if (e.isEmpty()) return -1;
      JsonNode first = e.get(0);
      if (!first.canConvertToInt() || !first.isIntegralNumber() || first.asInt() < 0) {
        throw refuse(file, "eos_token_id", "must hold token ids (integers >= 0), got " + e);
      }
      return first.asInt();
    }
    return tokenId(json, "eos_token_id", file);
  }

  /** A token id, or -1 when there is none; a negative id in the file is refused, not read as "none". */
  private static int tokenId(JsonNode json, String key, String file) {
    int id = integer(json, key, -1, file);
    if (json.hasNonNull(key) && id < 0) throw refuse(file, key, "is " + id + "; a token id is an integer >= 0");
    return id;
  }

  private static IllegalArgumentException refuse(String file, String key, String why) {
    return new IllegalArgumentException(file + ": \"" + key + "\" " + why);
  }

  private static String text(JsonNode json, String key, String dflt, String file) {
    JsonNode n = json.get(key);
    if (n == null || n.isNull()) return dflt;
    if (!n.isTextual()) throw refuse(file, key, "must be a string, got " + n);
    return n.asText();
  }

  private static boolean bool(JsonNode json, String key, boolean dflt, String file) {
    JsonNode n = json.get(key);
    if (n == null || n.isNull()) return dflt;
    if (!n.isBoolean()) throw refuse(file, key, "must be true or false, got " + n);
    return n.asBoolean();
  }

  private static int integer(JsonNode json, String key, int dflt, String file) {
    JsonNode n = json.get(key);
    if (n == null || n.isNull()) {
      if (dflt == -1 && !key.endsWith("token_id")) throw refuse(file, key, "is missing");
      return dflt;
    }
    if (!n.canConvertToInt() || !n.isIntegralNumber()) throw refuse(file, key, "must be an integer, got " + n);
    return n.asInt();
  }

  private static double number(JsonNode json, String key, String file) {
    JsonNode n = json.get(key);
    if (!n.isNumber()) throw refuse(file, key, "must be a number, got " + n);
    // the model computes in float: 1e39 would silently become Infinity
    if (!Float.isFinite((float) n.asDouble())) throw refuse(file, key, "is " + n + ", beyond a 32-bit float's range");
    return n.asDouble();
  }
}
