package org.jlora.lora;

/**
 * How A and B start (PEFT's {@code init_lora_weights}). In every mode but RANDOM, the adapted layer
 * starts out computing exactly what the base layer did: either ΔW = B·A = 0, or (PiSSA, OLoRA) the
 * base weight gives up the part that B·A now holds ({@link DecompositionInit}).
 */
public enum InitLoraWeights {
  /** loralib's default: A kaiming-uniform(a = sqrt 5), B zeros (embeddings: A zeros, B normal). PEFT's {@code true}. */
  DEFAULT("true"),
  /** A ~ N(0, 1/r), B zeros: PEFT's {@code "gaussian"}. */
  GAUSSIAN("gaussian"),
  /** Both A and B random (non-zero ΔW): PEFT's {@code false}, for tests that need a non-trivial adapter. */
  RANDOM("false"),
  /**
   * PiSSA: B·A = the top-r singular part of W and the base keeps the rest, {@code W - s·B·A}: PEFT's
   * {@code "pissa"} (exact SVD) or {@code "pissa_niter_N"} (randomized SVD, {@link LoraConfig#pissaNiter()}).
   */
  PISSA("pissa"),
  /** OLoRA: B, A = the first r columns of Q and rows of R of W = Q·R; the base keeps {@code W - s·B·A}. PEFT's {@code "olora"}. */
  OLORA("olora"),
  /** A and B from the odd and even rows of a random orthogonal r×r matrix, so B·A = 0 (even r): PEFT's {@code "orthogonal"}. */
  ORTHOGONAL("orthogonal");

  private final String peftName;

  InitLoraWeights(String peftName) {
    this.peftName = peftName;
  }

  /** PEFT's spelling (true and false are JSON booleans there). */
  public String peftName() {
    return peftName;
  }

  /** Whether the initialisation changes the base weight (then saved adapters need the same base to reproduce it). */
  public boolean mutatesBase() {
    return this == PISSA || this == OLORA;
  }
}
