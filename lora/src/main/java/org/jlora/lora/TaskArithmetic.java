package org.jlora.lora;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.IntStream;
import org.jlora.engine.Rng;

/**
 * PEFT's merge_utils: ways to combine several "task tensors" t_1..t_n of one shape (the A's, the B's
 * or the ΔW's of several adapters) with weights w_1..w_n into one. Tensors are flat float arrays here.
 *
 * <pre>
 *   task arithmetic (linear):  Σ w_i·t_i
 *   magnitude prune:           Σ w_i·top_k(t_i)                         keep the k = ⌊density·size⌋ largest |values|
 *   TIES:                      Σ_i w_i·top_k(t_i)·[sign(t_i) = s] / #{i : sign(t_i) = s}   per element,
 *                              s = sign of Σ top_k(t_i) ("total") or of Σ sign(top_k(t_i)) ("frequency")
 *   DARE linear / DARE TIES:   as linear / TIES, but each t_i keeps every element with probability density,
 *                              divided by density (random, from a seeded generator)
 * </pre>
 *
 * <p>A density of 1 (or more) prunes nothing, as in PEFT; zeros count for no sign.
 */
final class TaskArithmetic {
  private TaskArithmetic() {}

  /** The families of {@link WeightedMerge.Combination} that act on the task tensors themselves. */
  enum Method { LINEAR, TIES, DARE_LINEAR, DARE_TIES, MAGNITUDE_PRUNE }

  /** Combines {@code tasks} (each of the same length) with {@code weights}. */
  static float[] combine(Method method, List<float[]> tasks, float[] weights, double density, WeightedMerge.MajoritySign sign, Rng rng) {
    List<float[]> pruned = new ArrayList<>();
    for (float[] t : tasks) {
      pruned.add(switch (method) {
        case LINEAR -> t;
        case TIES, MAGNITUDE_PRUNE -> magnitudePrune(t, density);
        case DARE_LINEAR, DARE_TIES -> randomPrune(t, density, rng);
      });
    }
    return switch (method) {
      case LINEAR, DARE_LINEAR, MAGNITUDE_PRUNE -> weightedSum(pruned, weights);
      case TIES, DARE_TIES -> disjointMerge(pruned, weights, sign);
    };
  }

  static float[] weightedSum(List<float[]> tasks, float[] weights) {
    float[] out = new float[tasks.get(0).length];
    for (int i = 0; i < tasks.size(); i++) {
      float[] t = tasks.get(i);
      for (int j = 0; j < out.length; j++) out[j] += t[j] * weights[i];
    }
    return out;
  }

  /** Keeps the ⌊density·n⌋ entries of largest magnitude (PEFT: torch.topk of |t|), zeroes the rest. */
  static float[] magnitudePrune(float[] t, double density) {
    if (density >= 1) return t;
    requireDensity(density);
    int k = (int) (density * t.length);
    Integer[] order = IntStream.range(0, t.length).boxed().toArray(Integer[]::new);
    java.util.Arrays.sort(order, Comparator.comparingDouble((Integer j) -> -Math.abs(t[j])));
    float[] out = new float[t.length];
    for (int i = 0; i < k; i++) out[order[i]] = t[order[i]];
    return out;
  }

  /** DARE's drop: keeps each entry with probability density and rescales the kept ones by 1/density. */
  static float[] randomPrune(float[] t, double density, Rng rng) {
    if (density >= 1) return t;
    requireDensity(density);
    float[] out = new float[t.length];
    for (int j = 0; j < t.length; j++) out[j] = rng.nextDouble() < density ? (float) (t[j] / density) : 0f;
    return out;
  }

  /** TIES' elect-and-average: per element, the weighted entries whose sign agrees with the majority, averaged. */
  static float[] disjointMerge(List<float[]> tasks, float[] weights, WeightedMerge.MajoritySign method) {
    int n = tasks.get(0).length;
    float[] out = new float[n];
    for (int j = 0; j < n; j++) {
      float votes = 0;
      for (float[] t : tasks) votes += method == WeightedMerge.MajoritySign.TOTAL ? t[j] : Math.signum(t[j]);
      float majority = votes >= 0 ? 1 : -1;
      float sum = 0;
      int kept = 0;
      for (int i = 0; i < tasks.size(); i++) {
        float v = tasks.get(i)[j];
        if (Math.signum(v) == majority) {
          sum += v * weights[i];
          kept++;
        }
      }
      out[j] = sum / Math.max(kept, 1);
    }
    return out;
  }

  private static void requireDensity(double density) {
    if (density < 0) throw new IllegalArgumentException("density must be >= 0, got " + density);
  }
}
