package org.jlora.spark;

import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.Rng;
import org.jlora.examples.data.Batch;
import org.jlora.examples.dataset.PackedBatches;
import org.jlora.examples.dataset.TokenizedExample;

/**
 * A worker's micro-batches: its examples packed into windows ({@link PackedBatches}), and for
 * step s the windows a generator seeded by (seed, s, rank) picks. Because the draw depends on the
 * step alone, a resumed run sees exactly the batches the interrupted one would have, without
 * saving any generator state.
 */
public final class StepBatches {
  private final PackedBatches packed;
  private final long seed;
  private final int rank;
  private final int microBatch;
  private final int contextLength;

  /** {@code examples}: token id rows, in a fixed order (all tokens scored). */
  public StepBatches(String name, List<int[]> examples, long seed, int rank, int microBatch, int contextLength) {
    List<TokenizedExample> tokenized = new ArrayList<>(examples.size());
    for (int[] ids : examples) tokenized.add(TokenizedExample.allScored(ids));
    this.packed = new PackedBatches(name, tokenized);
    String problem = packed.tooSmall(microBatch, contextLength);
    if (problem != null) throw new IllegalArgumentException(name + " " + problem);
    this.seed = seed;
    this.rank = rank;
    this.microBatch = microBatch;
    this.contextLength = contextLength;
  }

  /** The micro-batch of step {@code step}. */
  public Batch forStep(int step) {
    return packed.next(new Rng(streamSeed(seed, step, rank)), microBatch, contextLength);
  }

  /** Distinct, well-mixed seeds for every (seed, step, rank): SplitMix64's increment spreads them. */
  static long streamSeed(long seed, int step, int rank) {
    Rng mix = new Rng(seed);
    long a = mix.nextLong();
    return a ^ (0x9E3779B97F4A7C15L * (step + 1L)) ^ (0xC2B2AE3D27D4EB4FL * (rank + 1L));
  }
}
