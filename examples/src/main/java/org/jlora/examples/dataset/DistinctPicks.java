package org.jlora.examples.dataset;

import java.util.LinkedHashSet;
import org.jlora.engine.Rng;

/**
 * {@code k} distinct indices below {@code n}, uniformly, in {@code k} draws: Robert Floyd's
 * algorithm (Bentley, "Programming Pearls", column 12). A batch then never holds the same row
 * twice, and the cost does not grow with n (no shuffled array of a million windows per batch).
 * The picks depend only on the generator's state, so a batch is a function of its Rng.
 */
final class DistinctPicks {
  private DistinctPicks() {}

  static int[] pick(Rng rng, int k, int n) {
    if (k > n) throw new IllegalArgumentException("cannot pick " + k + " distinct indices below " + n);
    LinkedHashSet<Integer> picked = new LinkedHashSet<>();
    for (int j = n - k; j < n; j++) {
      int t = rng.nextInt(j + 1);
      picked.add(picked.contains(t) ? j : t);
    }
    return picked.stream().mapToInt(Integer::intValue).toArray();
  }
}
