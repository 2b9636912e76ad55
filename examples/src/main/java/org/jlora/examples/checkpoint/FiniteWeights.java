package org.jlora.examples.checkpoint;

import java.util.Map;
import org.jlora.engine.Tensor;

/**
 * Refuses weights that hold NaN or infinity. One such number in a checkpoint spreads through every
 * layer it touches: generation comes out empty, evaluation scores 0%, and fine-tuning trains an
 * all-NaN adapter, all without an error. So every loader checks what it read, naming the tensor
 * and the first bad element, before a model is built on it.
 *
 * <p>{@code jlora ... --allow-non-finite} turns the refusal into a warning ({@link #allowNonFinite}),
 * for inspecting a damaged file. The scan is one pass over the floats, cheap next to the read.
 */
public final class FiniteWeights {
  private static volatile boolean allowed;

  private FiniteWeights() {}

  /** With {@code true}, {@link #require} warns on stderr instead of refusing (the CLI's {@code --allow-non-finite}). */
  public static void allowNonFinite(boolean allow) {
    allowed = allow;
  }

  /** Whether non-finite weights are let through with a warning. */
  public static boolean nonFiniteAllowed() {
    return allowed;
  }

  /**
   * Throws when a tensor of {@code weights} holds NaN or infinity; {@code source} names the file
   * (or directory) they were read from.
   *
   * @throws IllegalArgumentException naming the source, the tensor, the first bad element and what to do
   */
  public static void require(Map<String, Tensor> weights, String source) {
    String problem = describeFirst(weights);
    if (problem == null) return;
    if (allowed) {
      System.err.println("jlora: warning: " + source + ": " + problem + "; loading it anyway (--allow-non-finite)");
      return;
    }
    throw new IllegalArgumentException(source + ": " + problem + "; the file is damaged or was saved from a run that "
        + "diverged.\nUse another checkpoint, or pass --allow-non-finite to load it anyway.");
  }

  /**
   * The first non-finite element of {@code weights} in words ("tensor 'x' holds NaN at [3, 17]
   * (2 of 4096 values are not finite)"), or null when every value is finite.
   */
  public static String describeFirst(Map<String, Tensor> weights) {
    for (Map.Entry<String, Tensor> e : weights.entrySet()) {
      Tensor t = e.getValue();
      int first = t.firstNonFinite();
      if (first < 0) continue;
      float[] d = t.data();
      int bad = 0;
      for (int i = t.offset(), end = t.offset() + t.size(); i < end; i++) {
        if (!Float.isFinite(d[i])) bad++;
      }
      return "tensor '" + e.getKey() + "' holds " + d[t.offset() + first] + " at " + coordinates(first, t.shape())
          + " (" + bad + " of " + t.size() + " values are not finite)";
    }
    return null;
  }

  /** Flat index {@code i} of a row-major tensor of {@code shape} as "[i0, i1, ...]". */
  static String coordinates(int i, int[] shape) {
    int[] at = new int[shape.length];
    for (int k = shape.length - 1; k >= 0; k--) {
      at[k] = shape[k] == 0 ? 0 : i % shape[k];
      i = shape[k] == 0 ? i : i / shape[k];
    }
    StringBuilder s = new StringBuilder("[");
    for (int k = 0; k < at.length; k++) s.append(k > 0 ? ", " : "").append(at[k]);
    return s.append(']').toString();
  }
}
