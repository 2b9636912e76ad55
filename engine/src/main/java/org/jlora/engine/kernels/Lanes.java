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
