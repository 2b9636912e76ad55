package org.jlora.engine.kernels;

import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jlora.engine.Bf16;
import org.jlora.engine.Parallel;

/**
 * The weight products of one generated token (batch 1) of a real model shape, alone: what bounds
 * generation. SmolLM2-135M: 30 layers of q, k, v, o, gate, up, down kept [out, in] ({@code W·xᵀ},
 * the one-column path) and the tied head [49152, 576]; GPT-2 124M: 12 layers of Conv1D weights kept
 * [in, out] ({@code x·W}, the one-row path) and the tied head [50257, 768] (one column). Random
 * weights, each matrix its own array (about 0.5 GB in f32: every token comes from memory, not cache).
 * Prints ms per token (CPU time of this thread with 1 thread, else wall time), the median of the
 * last 5 of 7 rounds, and the bytes of weight read per second. Not a test; run it with
 * <pre>{@code
 * mvn -o -q -pl engine test-compile
 * java --add-modules jdk.incubator.vector -cp engine/target/classes:engine/target/test-classes \
 *     org.jlora.engine.kernels.OneTokenMatmulBench smollm2|gpt2 f32|bf16 THREADS SECONDS
 * }</pre>
 * (bf16 applies to the one-column weights, as {@code --base-dtype bf16} does for a Llama.)
 */
public final class OneTokenMatmulBench {
  private OneTokenMatmulBench() {}

  public static void main(String[] args) {
    String model = args[0];
    boolean bf16 = args[1].equals("bf16");
    int threads = Integer.parseInt(args[2]);
    double seconds = Double.parseDouble(args[3]);
    Parallel.setThreads(threads);
    List<int[]> columns = new ArrayList<>(); // {m, k}: W [m, k] · x [k]
    List<int[]> rows = new ArrayList<>();    // {k, n}: x [k] · W [k, n]
    if (model.equals("smollm2")) {
      for (int l = 0; l < 30; l++) {
        columns.addAll(List.of(new int[] {576, 576}, new int[] {192, 576}, new int[] {192, 576}, new int[] {576, 576},
            new int[] {1536, 576}, new int[] {1536, 576}, new int[] {576, 1536}));
      }
      columns.add(new int[] {49152, 576});
    } else {
      for (int l = 0; l < 12; l++) {
        rows.addAll(List.of(new int[] {768, 2304}, new int[] {768, 768}, new int[] {768, 3072}, new int[] {3072, 768}));
      }
      columns.add(new int[] {50257, 768});
    }
    Random r = new Random(1);
    List<Object> wc = new ArrayList<>();
    List<float[]> wr = new ArrayList<>();
    long bytes = 0;
    for (int[] s : columns) {
      float[] w = gaussian(r, s[0] * s[1]);
      wc.add(bf16 ? Bf16.fromFloats(w) : w);
      bytes += (long) w.length * (bf16 ? 2 : 4);
    }
    for (int[] s : rows) {
      wr.add(gaussian(r, s[0] * s[1]));
      bytes += 4L * s[0] * s[1];
    }
    MatmulVector mv = new MatmulVector();
    float[] x = gaussian(r, 4096);
    float[] y = new float[60000];
    double[] ms = new double[7];
    var bean = ManagementFactory.getThreadMXBean();
    for (int round = 0; round < ms.length; round++) {
      long t0 = System.nanoTime();
      long c0 = bean.getCurrentThreadCpuTime();
      int tokens = 0;
      while (System.nanoTime() - t0 < seconds * 1e9 / ms.length) {
        for (int i = 0; i < columns.size(); i++) {
          int m = columns.get(i)[0], k = columns.get(i)[1];
          if (wc.get(i) instanceof short[] w) {
            mv.matmulBf16A(1, m, 1, k, w, 0, x, 0, true, true, y, 0, false);
          } else {
            mv.matmul(1, m, 1, k, (float[]) wc.get(i), 0, false, x, 0, true, true, y, 0, false);
          }
        }
        for (int i = 0; i < rows.size(); i++) {
          int k = rows.get(i)[0], n = rows.get(i)[1];
          mv.matmul(1, 1, n, k, x, 0, false, wr.get(i), 0, false, true, y, 0, false);
        }
        tokens++;
      }
      long spent = threads == 1 ? bean.getCurrentThreadCpuTime() - c0 : System.nanoTime() - t0;
      ms[round] = spent / 1e6 / tokens;
    }
    double[] last = Arrays.copyOfRange(ms, 2, ms.length);
    Arrays.sort(last);
    double median = last[last.length / 2];
    System.out.printf("%s %s, %d thread(s): %.2f ms per token (%s), %.1f GB/s of weights; rounds %s%n", model,
        bf16 ? "bf16" : "f32", threads, median, threads == 1 ? "CPU time" : "wall time", bytes / median / 1e6,
        Arrays.toString(Arrays.stream(ms).map(v -> Math.round(v * 100) / 100.0).toArray()));
  }

  private static float[] gaussian(Random r, int n) {
    float[] w = new float[n];
    for (int i = 0; i < n; i++) w[i] = (float) (r.nextGaussian() * 0.02);
    return w;
  }
}
