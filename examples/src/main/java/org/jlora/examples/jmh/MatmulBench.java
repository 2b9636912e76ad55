package org.jlora.examples.jmh;

import java.util.concurrent.TimeUnit;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * JMH twin of {@code jlora bench matmul}, on the shapes of scripts/bench-matmul-vs-numpy.sh.
 * Time per product; GFLOP/s = 2·m·n·k / time. Run:
 * <pre>
 * java --add-modules jdk.incubator.vector -cp examples/target/jlora.jar org.openjdk.jmh.Main MatmulBench
 * java ... org.openjdk.jmh.Main MatmulBench -p shape=1024x1024x1024 -p threads=1
 * </pre>
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class MatmulBench {
  /** "MxNxK" with an optional "^A" / "^B" for a transposed operand. */
  @Param({"1024x1024x1024", "1024x1024x1024^A", "1024x1024x1024^B", "2048x768x768", "8192x512x128",
      "2048x8x768", "2048x768x8"})
  public String shape;

  @Param({"2"})
  public int threads;

  @Param({"vector"})
  public String backend;

  private Backend be;
  private int m, n, k;
  private boolean transA, transB;
  private Tensor a, b, c;

  @Setup
  public void setup() {
    String[] dims = shape.replace("^A", "").replace("^B", "").split("x");
    m = Integer.parseInt(dims[0]);
    n = Integer.parseInt(dims[1]);
    k = Integer.parseInt(dims[2]);
    transA = shape.contains("^A");
    transB = shape.contains("^B");
    Parallel.setThreads(threads);
    be = Backends.byName(backend);
    Rng rng = new Rng(1234);
    a = Tensor.of(random(rng, m * k), m, k);
    b = Tensor.of(random(rng, k * n), k, n);
    c = Tensor.zeros(m, n);
  }

  @Benchmark
  public Tensor matmul() {
    be.matmul().matmul(1, m, n, k, a, transA, b, transB, false, c, false);
    return c;
  }

  private static float[] random(Rng rng, int size) {
    float[] x = new float[size];
    for (int i = 0; i < size; i++) x[i] = rng.nextFloat() * 2f - 1f;
    return x;
  }
}
