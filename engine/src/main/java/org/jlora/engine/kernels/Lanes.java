package org.jlora.engine.kernels;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * A deterministic sum of a vector's lanes. {@code reduceLanes(ADD)} leaves its order
 * unspecified, and compiled and interpreted code really do add in different orders, so a kernel
 * using it could give a row different bits depending on which thread (at which JIT stage)
 * computed it. Kernels that promise bit-identical results for any thread count use this instead.
 */
final class Lanes {
  private Lanes() {}

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static final VectorShuffle<Float>[] BUTTERFLIES = butterflies();

  /** The sum of the lanes in a fixed butterfly order (lane i meets lane i ^ w, w = V/2 .. 1). */
  static float sum(FloatVector v) {
    for (VectorShuffle<Float> butterfly : BUTTERFLIES) v = v.add(v.rearrange(butterfly));
    return v.lane(0);
  }

  /**
   * {@link #sum(FloatVector)} of each of {@code rows} vectors stored one after another from
   * {@code lanes[0]}, in scalar code and in the same order, so bit for bit the same floats: at
   * each step w = V/2 .. 1 lane i (for i < w, the only lanes lane 0 still depends on) becomes
   * {@code x[i] + x[i + w]}, as i ^ w is i + w there. Row r's sum is left at {@code lanes[r·V]};
   * the other lanes are overwritten. The rows go side by side, step by step, so their additions
   * overlap. For kernels that finish several accumulators at once: inlined copies of the vector
   * form made one such kernel too big for C2, which then ran the lane sums through the Vector
   * API's slow Java fallback.
   */
  static void sums(float[] lanes, int rows) {
    int v = SPECIES.length();
    for (int w = v / 2; w >= 1; w /= 2) {
      for (int r = 0; r < rows * v; r += v) {
        for (int i = r; i < r + w; i++) lanes[i] += lanes[i + w];
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static VectorShuffle<Float>[] butterflies() {
    int vlen = SPECIES.length();
    int steps = Integer.numberOfTrailingZeros(vlen);
    VectorShuffle<Float>[] shuffles = (VectorShuffle<Float>[]) new VectorShuffle<?>[steps];
    for (int s = 0, w = vlen / 2; s < steps; s++, w /= 2) {
      final int width = w;
      shuffles[s] = VectorShuffle.fromOp(SPECIES, i -> i ^ width);
    }
    return shuffles;
  }
}
