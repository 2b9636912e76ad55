package org.jlora.lora;

/**
 * Which biases train alongside the LoRA matrices (loralib's {@code bias} argument of
 * {@code mark_only_lora_as_trainable}, PEFT's {@code bias} config field).
 */
public enum Bias {
  /** No bias trains: only A and B. */
  NONE("none"),
  /** Every bias in the model trains. */
  ALL("all"),
  /** Only the biases of layers that carry a LoRA adapter train. */
  LORA_ONLY("lora_only");

  private final String peftName;

  Bias(String peftName) {
    this.peftName = peftName;
  }

  /** The value PEFT writes in adapter_config.json. */
  public String peftName() {
    return peftName;
  }

  /** Parses PEFT's spelling ("none", "all", "lora_only"). */
  public static Bias fromPeft(String s) {
    for (Bias b : values()) {
      if (b.peftName.equals(s)) return b;
    }
    throw new IllegalArgumentException("bias must be one of none, all, lora_only; got '" + s + "'");
  }
}
