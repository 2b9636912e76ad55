package org.jlora.examples.jmh;

import java.util.concurrent.TimeUnit;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.openjdk.jmh.annotations.*;

/**
 * LayerNorm forward and backward at transformer sizes, scalar vs vector backend.
 *
 * <pre>
 * java --add-modules jdk.incubator.vector -cp examples/target/jlora.jar org.openjdk.jmh.Main LayerNormBench
 * </pre>
 * Both are memory bound: forward reads x once for each statistic and once to normalise and writes
 * out; backward reads x and dy twice and writes dx.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
public class LayerNormBench {
  /** Rows = batch x tokens. */
  @Param({"2048"})
  int rows;

  /** The model width. */
  @Param({"128", "768"})
  int cols;

  @Param({"scalar", "vector"})
  String backend;

  @Param({"1", "2"})
  int threads;

  private Backend be;
  private Tensor x, gamma, beta, out, mean, rstd, dy, dx, dgamma, dbeta;

  @Setup
  public void setup() {
    be = Backends.byName(backend);
    Parallel.setThreads(threads);
    Rng rng = new Rng(1);
    x = Tensor.randn(rng, rows, cols);
    dy = Tensor.randn(rng, rows, cols);
    gamma = Tensor.randn(rng, 1f, 0.1f, cols);
    beta = Tensor.randn(rng, 0f, 0.1f, cols);
    out = Tensor.zeros(rows, cols);
    dx = Tensor.zeros(rows, cols);
    mean = Tensor.zeros(rows);
    rstd = Tensor.zeros(rows);
    dgamma = Tensor.zeros(cols);
    dbeta = Tensor.zeros(cols);
  }

  @Benchmark
  public float forward() {
    // x: [rows, cols], gamma, beta: [cols] -> out: [rows, cols]
    be.rows().layerNorm(rows, cols, x, gamma, beta, 1e-5f, out, mean, rstd);
    return out.get(0);
  }

  @Benchmark
  public float backward() {
    // dy, x: [rows, cols] -> dx: [rows, cols], dgamma, dbeta: [cols]
    be.rows().layerNormBackward(rows, cols, x, gamma, mean, rstd, dy, dx, dgamma, dbeta, false);
    return dx.get(0);
  }
}
