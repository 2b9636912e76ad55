package org.jlora.engine;

/**
 * Which pairs of a head's D features RoPE rotates together; frequency i (0 <= i < D/2) is
 * {@code theta^(-2i/D)} in both. The two are the same rotation up to a permutation of the features
 * (so of the q and k projection rows): a checkpoint is written for one of them, never mix them.
 */
public enum RopeLayout {
  /** Hugging Face's {@code rotate_half}: pair i is features (i, i + D/2). */
  HALVES,
  /** llama2.c's and Meta's original: pair i is features (2i, 2i + 1). */
  INTERLEAVED;

  /** Index of the first feature of pair i in a head of size d. */
  public int first(int i, int d) {
    return this == HALVES ? i : 2 * i;
  }

  /** Index of the second feature of pair i in a head of size d. */
  public int second(int i, int d) {
    return this == HALVES ? i + d / 2 : 2 * i + 1;
  }
}
