package org.jlora.lora;

/** How A and B start (PEFT's {@code init_lora_weights}). In every mode but RANDOM, ΔW = B·A = 0 at init. */
public enum InitLoraWeights {
  /** loralib's default: A kaiming-uniform(a = sqrt 5), B zeros (embeddings: A zeros, B normal). PEFT's {@code true}. */
  DEFAULT,
  /** A ~ N(0, 1/r), B zeros: PEFT's {@code "gaussian"}. */
  GAUSSIAN,
  /** Both A and B random (non-zero ΔW): PEFT's {@code false}, for tests that need a non-trivial adapter. */
  RANDOM
}
