package org.jlora.engine.kernels;

import java.util.Arrays;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;
import org.jlora.engine.Parallel;

/**
 * The ceiling a one-token product works under: how fast this machine reads a large float array
 * (0.5 GB, far past every cache) when nothing but the read is asked, on 1 thread and split in
 * halves across the engine's threads. Generation at batch 1 reads every weight once a token, so
 * {@code weights / this rate} is the fastest a token can be. Not a test; run it with
 * <pre>{@code
 * mvn -o -q -pl engine test-compile
 * java --add-modules jdk.incubator.vector -cp engine/target/classes:engine/target/test-classes \
 *     org.jlora.engine.kernels.MemoryBandwidthBench THREADS
 * }</pre>
 * Prints GB/s, the median of the last 5 of 7 passes.
 */
public final class MemoryBandwidthBench {
  private MemoryBandwidthBench() {}

  private static final VectorSpecies<Float> SPECIES = FloatVector.SPECIES_PREFERRED;
  private static volatile float sink;

  public static void main(String[] args) {
    int threads = Integer.parseInt(args[0]);
    Parallel.setThreads(threads);
    float[] a = new float[125_000_000];
    for (int i = 0; i < a.length; i++) a[i] = i & 7;
    int parts = 64;   // contiguous pieces, taken in order by the threads
    float[] partial = new float[parts];
    double[] gbs = new double[7];
    for (int pass = 0; pass < gbs.length; pass++) {
      long t0 = System.nanoTime();
      Parallel.forRange(parts, Long.MAX_VALUE, (from, to) -> {
        for (int p = from; p < to; p++) partial[p] = sum(a, (int) ((long) a.length * p / parts), (int) ((long) a.length * (p + 1) / parts));
      });
      long t1 = System.nanoTime();
      float s = 0;
      for (float v : partial) s += v;
      sink = s;
      gbs[pass] = 4.0 * a.length / (t1 - t0);
    }
    double[] last = Arrays.copyOfRange(gbs, 2, gbs.length);
    Arrays.sort(last);
    System.out.printf("read %.1f GB/s on %d thread(s); passes %s%n", last[last.length / 2], threads,
        Arrays.toString(Arrays.stream(gbs).map(v -> Math.round(v * 10) / 10.0).toArray()));
  }

  /** a[from : to] summed with four accumulators (whole vectors; the tail is left out, it is only read). */
  private static float sum(float[] a, int from, int to) {
    int v = SPECIES.length();
    FloatVector s0 = FloatVector.zero(SPECIES), s1 = s0, s2 = s0, s3 = s0;
    int i = from;
    for (; i + 4 * v <= to; i += 4 * v) {
      s0 = s0.add(FloatVector.fromArray(SPECIES, a, i));
      s1 = s1.add(FloatVector.fromArray(SPECIES, a, i + v));
      s2 = s2.add(FloatVector.fromArray(SPECIES, a, i + 2 * v));
      s3 = s3.add(FloatVector.fromArray(SPECIES, a, i + 3 * v));
    }
    return s0.add(s1).add(s2).add(s3).reduceLanes(VectorOperators.ADD);
  }
}
