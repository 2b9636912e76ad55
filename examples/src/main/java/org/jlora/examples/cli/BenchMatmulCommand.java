package org.jlora.examples.cli;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.jlora.engine.Backend;
import org.jlora.engine.Parallel;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.jlora.examples.ui.Median;

/**
 * {@code jlora bench matmul}: the median GFLOP/s of {@code C[m, n] = op(A)[m, k] · op(B)[k, n]}
 * over timed runs after warm-up (the JIT needs about a second to settle on the vector kernels).
 */
@Command(name = "matmul", mixinStandardHelpOptions = true,
    description = "Median GFLOP/s (and ms) of C[m,n] = op(A)[m,k] x op(B)[k,n] after warm-up.")
public final class BenchMatmulCommand implements Callable<Integer> {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;
  @Mixin KernelOptions kernels;

  @Option(names = "--m", description = "rows of C (default ${DEFAULT-VALUE})", defaultValue = "1024")
  int m;

  @Option(names = "--n", description = "columns of C (default ${DEFAULT-VALUE})", defaultValue = "1024")
  int n;

  @Option(names = "--k", description = "inner dimension (default ${DEFAULT-VALUE})", defaultValue = "1024")
  int k;



  @Option(names = "--transA", description = "A stored [k, m] (as in dW = dY^T X)")
  boolean transA;

  @Option(names = "--transB", description = "B stored [n, k] (as in y = x W^T)")
  boolean transB;

  @Option(names = "--warmup", description = "warm-up runs (default: run until about 1 s has passed, at least 3)")
  Integer warmup;

  @Option(names = "--reps", description = "timed runs (default ${DEFAULT-VALUE})", defaultValue = "15")
  int reps;

  @Option(names = "--json", description = "print exactly one JSON line")
  boolean json;

  @Override
  public Integer call() {
    validate();
    Backend be = kernels.apply();
    Rng rng = new Rng(1234);
    Tensor a = Tensor.of(random(rng, m * k), m * k);
    Tensor b = Tensor.of(random(rng, k * n), k * n);
    Tensor c = Tensor.zeros(m * n);
    Runnable op = () -> be.matmul().matmul(1, m, n, k, a, transA, b, transB, false, c, false);

    if (warmup != null) {
      for (int i = 0; i < warmup; i++) op.run();
    } else {
      long start = System.nanoTime();
      for (int i = 0; i < 3 || System.nanoTime() - start < 1_000_000_000L; i++) op.run();
    }
    double[] times = new double[reps];
    for (int r = 0; r < reps; r++) {
      long t0 = System.nanoTime();
      op.run();
      times[r] = System.nanoTime() - t0;
    }
    double medianNs = Median.of(times);
    double ms = medianNs / 1e6;
    double gflops = 2.0 * m * n * k / medianNs;
    if (json) {
      spec.commandLine().getOut().println(String.format(Locale.ROOT,
          "{\"op\":\"matmul\",\"m\":%d,\"n\":%d,\"k\":%d,\"threads\":%d,"
              + "\"backend\":\"%s\",\"gflops\":%.2f,\"ms\":%.4f}",
          m, n, k, Parallel.threads(), be.name(), gflops, ms));
    } else {
      spec.commandLine().getOut().println(String.format(Locale.ROOT,
          "matmul [%dx%d]%s x [%dx%d]%s  %s backend, %d thread(s): %.1f GFLOP/s, %.3f ms (median of %d)",
          m, k, transA ? "^T" : "", k, n, transB ? "^T" : "", be.name(), Parallel.threads(),
          gflops, ms, reps));
    }
    return 0;
  }

  private void validate() {
    positive("--m", m);
    positive("--n", n);
    positive("--k", k);
    positive("--reps", reps);
    if (warmup != null && warmup < 0) fail("--warmup must be >= 0, got " + warmup);
    long biggest = Math.max((long) m * k, Math.max((long) k * n, (long) m * n));
    if (biggest > Integer.MAX_VALUE - 16) {
      fail("matrices of " + biggest + " floats do not fit a Java array (m=" + m + ", n=" + n + ", k=" + k + ")");
    }
  }

  private void positive(String name, int value) {
    if (value < 1) fail(name + " must be >= 1, got " + value);
  }

  private void fail(String message) {
    throw new CommandLine.ParameterException(spec.commandLine(), "bench matmul: " + message);
  }

  private static float[] random(Rng rng, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) x[i] = rng.nextFloat() * 2f - 1f;
    return x;
  }
}
