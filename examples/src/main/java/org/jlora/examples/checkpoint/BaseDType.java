package org.jlora.examples.checkpoint;

import java.util.Locale;

/**
 * How a model's frozen weight matrices are kept in memory ({@code --base-dtype}).
 *
 * <ul>
 *   <li>{@code AUTO}: as the checkpoint stores them when that is BF16 and the run keeps them
 *       frozen; f32 otherwise;</li>
 *   <li>{@code BF16}: in bf16 (a BF16 checkpoint as stored; an F32 or F16 one rounded to nearest,
 *       ties to even, one tensor at a time);</li>
 *   <li>{@code F32}: widened to f32, as every weight used to be.</li>
 * </ul>
 * Norms and biases are always f32: they are tiny, and the kernels that add or scale by them read
 * f32. A bf16 weight is read-only: whatever would write it (full fine-tuning, a merge, PiSSA or
 * DoRA initialisation) needs f32.
 */
public enum BaseDType {
  AUTO, BF16, F32;

  /** {@code auto}, {@code bf16} or {@code f32}, with an error that lists them. */
  public static BaseDType parse(String s) {
    for (BaseDType d : values()) {
      if (d.name().toLowerCase(Locale.ROOT).equals(s)) return d;
    }
    throw new IllegalArgumentException("--base-dtype must be auto, bf16 or f32, got '" + s + "'");
  }

  /**
   * This choice for a run that writes or trains the base weights ({@code why}, e.g. "full
   * fine-tuning trains every weight"): {@code AUTO} becomes f32, {@code BF16} is refused.
   */
  public BaseDType forWrittenWeights(String why) {
    if (this == BF16) {
      throw new IllegalArgumentException("--base-dtype bf16 keeps the base weights read-only, but " + why
          + "; use --base-dtype f32 (or auto)");
    }
    return F32;
  }

  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }
}
