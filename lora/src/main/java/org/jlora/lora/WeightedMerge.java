package org.jlora.lora;

/**
 * How {@link LoraModel#addWeightedAdapter} combines adapters (PEFT's {@code add_weighted_adapter}
 * arguments): the combination type, and for some of them the SVD rank, the density and TIES' sign rule.
 *
 * @param svdRank        rank of the {@code *svd} results; 0: the largest rank among the adapters
 * @param density        fraction of entries kept by the pruning combinations (1: none pruned)
 * @param majoritySign   TIES' sign election
 * @param seed           DARE's random drops (PEFT uses torch's global generator; jlora a seeded one)
 */
public record WeightedMerge(Combination combination, int svdRank, double density,
                            MajoritySign majoritySign, long seed) {

  /** How TIES elects each element's sign: by the sum of the values ("total") or of their signs ("frequency"). */
  public enum MajoritySign { TOTAL, FREQUENCY }

  /** PEFT's {@code combination_type} values. */
  public enum Combination {
    /** Σ sqrt(w_i s_i)·A_i and Σ sqrt(w_i s_i)·B_i (sign on A): exact when only one adapter, else an approximation. */
    LINEAR("linear", TaskArithmetic.Method.LINEAR, false),
    /** A = [w_1 s_1 A_1 ; ...], B = [B_1 | ...]: exactly Σ w_i s_i B_i A_i, rank Σ r_i. */
    CAT("cat", null, false),
    /** The top-rank SVD of Σ w_i ΔW_i. */
    SVD("svd", TaskArithmetic.Method.LINEAR, true),
    TIES("ties", TaskArithmetic.Method.TIES, false),
    TIES_SVD("ties_svd", TaskArithmetic.Method.TIES, true),
    DARE_LINEAR("dare_linear", TaskArithmetic.Method.DARE_LINEAR, false),
    DARE_LINEAR_SVD("dare_linear_svd", TaskArithmetic.Method.DARE_LINEAR, true),
    DARE_TIES("dare_ties", TaskArithmetic.Method.DARE_TIES, false),
    DARE_TIES_SVD("dare_ties_svd", TaskArithmetic.Method.DARE_TIES, true),
    MAGNITUDE_PRUNE("magnitude_prune", TaskArithmetic.Method.MAGNITUDE_PRUNE, false),
    MAGNITUDE_PRUNE_SVD("magnitude_prune_svd", TaskArithmetic.Method.MAGNITUDE_PRUNE, true);

    private final String peftName;
    final TaskArithmetic.Method method;
    final boolean svd;

    Combination(String peftName, TaskArithmetic.Method method, boolean svd) {
      this.peftName = peftName;
      this.method = method;
      this.svd = svd;
    }

    /** PEFT's spelling. */
    public String peftName() {
      return peftName;
    }

    /** The combination PEFT calls {@code name}. */
    public static Combination fromPeft(String name) {
      for (Combination c : values()) if (c.peftName.equals(name)) return c;
      throw new IllegalArgumentException("unknown combination_type '" + name + "'");
    }
  }

  public WeightedMerge {
    if (svdRank < 0) throw new IllegalArgumentException("svd_rank must be >= 0, got " + svdRank);
    if (!(density >= 0)) throw new IllegalArgumentException("density must be >= 0, got " + density);
  }

  /** {@code combination} with PEFT's defaults: SVD rank from the adapters, no pruning, "total" signs, seed 0. */
  public static WeightedMerge of(Combination combination) {
    return new WeightedMerge(combination, 0, 1, MajoritySign.TOTAL, 0);
  }

  public WeightedMerge svdRank(int r) {
    return new WeightedMerge(combination, r, density, majoritySign, seed);
  }

  public WeightedMerge density(double d) {
    return new WeightedMerge(combination, svdRank, d, majoritySign, seed);
  }

  /** TIES' sign rule by PEFT's name, "total" or "frequency". */
  public WeightedMerge majoritySign(String method) {
    return new WeightedMerge(combination, svdRank, density,
        MajoritySign.valueOf(method.toUpperCase(java.util.Locale.ROOT)), seed);
  }

  public WeightedMerge seed(long s) {
    return new WeightedMerge(combination, svdRank, density, majoritySign, s);
  }
}
