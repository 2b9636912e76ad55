package org.jlora.examples.model.gpt2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The shape of a GPT-2: the fields of Hugging Face's {@code GPT2Config} this implementation
 * follows. Read from a model directory's {@code config.json} with {@link #fromHfConfig}; options
 * that would change what the model computes and that it does not implement are refused by name,
 * never ignored.
 *
 * @param vocabSize         vocab_size: token ids 0 .. vocabSize-1 (GPT-2: 50257)
 * @param nPositions        n_positions: the context length (GPT-2: 1024)
 * @param nEmbd             n_embd: the width C of the residual stream
 * @param nLayer            n_layer: blocks
 * @param nHead             n_head: attention heads, each C / nHead wide
 * @param nInner            n_inner: the MLP's hidden width (null in the file means 4·C)
 * @param layerNormEpsilon  layer_norm_epsilon of every LayerNorm (GPT-2: 1e-5)
 * @param dropout           resid_pdrop = embd_pdrop = attn_pdrop (GPT-2: 0.1; active in training only)
 */
public record Gpt2Config(int vocabSize, int nPositions, int nEmbd, int nLayer, int nHead, int nInner,
                         float layerNormEpsilon, float dropout) {

  public Gpt2Config {
    if (vocabSize < 1 || nPositions < 1 || nEmbd < 1 || nLayer < 1 || nHead < 1 || nInner < 1) {
      throw new IllegalArgumentException("gpt2 config: every size must be >= 1, got " + describe(vocabSize, nPositions,
          nEmbd, nLayer, nHead, nInner) + ")");
    }
    if (nEmbd % nHead != 0) {
      throw new IllegalArgumentException("gpt2 config: n_embd " + nEmbd + " must divide by n_head " + nHead);
    }
    if (!(layerNormEpsilon > 0f)) {
      throw new IllegalArgumentException("gpt2 config: layer_norm_epsilon must be > 0, got " + layerNormEpsilon);
    }
    if (!(dropout >= 0f && dropout < 1f)) {
      throw new IllegalArgumentException("gpt2 config: dropout must be in [0, 1), got " + dropout);
    }
  }

  /** The width of one attention head. */
  public int headSize() {
    return nEmbd / nHead;
  }

  /**
   * Reads a Hugging Face GPT-2 {@code config.json} (already parsed); {@code fileForErrors} names
   * the file in messages. Refuses what this model does not compute: another activation than
   * gelu_new, untied embeddings, unscaled or re-ordered attention, cross-attention.
   */
  public static Gpt2Config fromHfConfig(JsonNode o, String fileForErrors) {
    String f = fileForErrors;
    if (o == null || !o.isObject()) throw new IllegalArgumentException(f + ": expected a JSON object");
    String type = text(o, "model_type", "gpt2", f);
    if (!type.equals("gpt2")) {
      throw new IllegalArgumentException(f + ": model_type is '" + type + "', not 'gpt2'");
    }
    String act = text(o, "activation_function", "gelu_new", f);
    if (!act.equals("gelu_new")) {
      throw new IllegalArgumentException(f + ": activation_function '" + act + "' is not supported; only gelu_new "
          + "(GPT-2's tanh approximation) is");
    }
    refuseIf(o, "scale_attn_by_inverse_layer_idx", true, "attention scaled by 1/(layer+1) is not implemented", f);
    refuseIf(o, "reorder_and_upcast_attn", true, "the re-ordered, upcast attention is not implemented", f);
    refuseIf(o, "scale_attn_weights", false, "attention without the 1/sqrt(head size) scale is not implemented", f);
    refuseIf(o, "add_cross_attention", true, "cross-attention (an encoder-decoder GPT-2) is not implemented", f);
    refuseIf(o, "tie_word_embeddings", false, "an untied lm_head is not implemented (GPT-2 ties it to wte)", f);
    int nEmbd = intField(o, "n_embd", f);
    JsonNode inner = o.get("n_inner");
    int nInner = inner == null || inner.isNull() ? 4 * nEmbd : intField(o, "n_inner", f);
    float resid = floatField(o, "resid_pdrop", 0.1f, f);
    float embd = floatField(o, "embd_pdrop", 0.1f, f);
    float attn = floatField(o, "attn_pdrop", 0.1f, f);
    if (resid != embd || resid != attn) {
      throw new IllegalArgumentException(f + ": resid_pdrop " + resid + ", embd_pdrop " + embd + " and attn_pdrop " + attn
          + " differ; this model has one dropout rate, set all three to the same value");
    }
    try {
      return new Gpt2Config(intField(o, "vocab_size", f), intField(o, "n_positions", f), nEmbd, intField(o, "n_layer", f),
          intField(o, "n_head", f), nInner, floatField(o, "layer_norm_epsilon", 1e-5f, f), resid);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(f + ": " + e.getMessage(), e);
    }
  }

  /** The {@code config.json} Hugging Face's GPT2LMHeadModel reads back to the same model. */
  public ObjectNode toHfConfig() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.putArray("architectures").add("GPT2LMHeadModel");
    o.put("model_type", "gpt2");
    o.put("vocab_size", vocabSize);
    o.put("n_positions", nPositions);
    o.put("n_embd", nEmbd);
    o.put("n_layer", nLayer);
    o.put("n_head", nHead);
    if (nInner == 4 * nEmbd) o.putNull("n_inner");
    else o.put("n_inner", nInner);
    o.put("activation_function", "gelu_new");
    o.put("layer_norm_epsilon", decimal(layerNormEpsilon));
    o.put("resid_pdrop", decimal(dropout));
    o.put("embd_pdrop", decimal(dropout));
    o.put("attn_pdrop", decimal(dropout));
    o.put("scale_attn_weights", true);
    o.put("scale_attn_by_inverse_layer_idx", false);
    o.put("reorder_and_upcast_attn", false);
    o.put("tie_word_embeddings", true);
    // GPT-2's <|endoftext|> (50256) when the vocabulary has it; transformers' default otherwise points past a small vocab
    if (vocabSize > 50256) {
      o.put("bos_token_id", 50256);
      o.put("eos_token_id", 50256);
    } else {
      o.putNull("bos_token_id");
      o.putNull("eos_token_id");
    }
    return o;
  }

  /** The float's shortest decimal as a double (1e-5f -> 1.0E-5, not 9.99999974737875E-6). */
  private static double decimal(float v) {
    return Double.parseDouble(Float.toString(v));
  }

  private static void refuseIf(JsonNode o, String key, boolean refused, String why, String f) {
    JsonNode v = o.get(key);
    if (v != null && v.isBoolean() && v.asBoolean() == refused) {
      throw new IllegalArgumentException(f + ": " + key + " = " + refused + ": " + why);
    }
  }

  private static String text(JsonNode o, String key, String absent, String f) {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) return absent;
    if (!v.isTextual()) throw new IllegalArgumentException(f + ": field '" + key + "' must be a string");
    return v.asText();
  }

  private static int intField(JsonNode o, String key, String f) {
    JsonNode v = o.get(key);
    if (v == null || !v.isIntegralNumber() || !v.canConvertToInt()) {
      throw new IllegalArgumentException(f + ": missing or non-integer field '" + key + "'");
    }
    return v.asInt();
  }

  private static float floatField(JsonNode o, String key, float absent, String f) {
    JsonNode v = o.get(key);
    if (v == null || v.isNull()) return absent;
    if (!v.isNumber()) throw new IllegalArgumentException(f + ": field '" + key + "' must be a number");
    // 1e39 would silently become Infinity
    if (!Float.isFinite((float) v.asDouble())) {
      throw new IllegalArgumentException(f + ": field '" + key + "' is " + v + ", beyond a 32-bit float's range");
    }
    return (float) v.asDouble();
  }

  @Override
  public String toString() {
    return describe(vocabSize, nPositions, nEmbd, nLayer, nHead, nInner) + ", eps " + layerNormEpsilon + ", dropout "
        + dropout + ")";
  }

  private static String describe(int v, int t, int c, int l, int h, int inner) {
    return "gpt2(vocab " + v + ", context " + t + ", " + c + " dims, " + l + " layers, " + h + " heads, mlp " + inner;
  }
}
