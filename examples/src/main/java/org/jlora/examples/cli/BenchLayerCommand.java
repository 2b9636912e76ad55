package org.jlora.examples.cli;

import java.util.Locale;
import org.jlora.autograd.F;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.CausalSelfAttention;
import org.jlora.autograd.nn.Linear;
import org.jlora.autograd.nn.Module;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.jlora.examples.ui.Median;

/**
 * {@code jlora bench layer}: one layer's forward (under NoGrad) or forward + backward, median
 * milliseconds after warm-up. "linear": x [2048, 768] through Linear(768 -> 768); "attention":
 * one causal self-attention block, x [16, 128, 128], 4 heads. scripts/bench-layers-vs-torch.py
 * times the same with PyTorch.
 */
@Command(name = "layer", mixinStandardHelpOptions = true,
    description = "Linear or attention layer forward (+ backward): median ms after warm-up.")
public final class BenchLayerCommand implements Runnable {
  @Mixin KernelOptions kernels;

  @Option(names = "--layer", defaultValue = "linear", description = "linear | attention (default ${DEFAULT-VALUE})")
  String layer;

  @Option(names = "--backward", description = "time forward + backward instead of forward alone")
  boolean backward;



  @Option(names = "--warmup", description = "untimed runs first (default: run until about 2 s have passed, at least 5)")
  Integer warmup;

  @Option(names = "--iters", defaultValue = "20", description = "timed runs (default ${DEFAULT-VALUE})")
  int iters;

  @Option(names = "--json", description = "one JSON object instead of text")
  boolean json;

  @Override
  public void run() {
    kernels.apply();
    Rng rng = new Rng(1);
    Module module;
    Tensor input;
    switch (layer.toLowerCase(Locale.ROOT)) {
      case "linear" -> {
        module = new Linear(768, 768, true, rng);
        input = Tensor.randn(rng, 2048, 768);                 // x: [2048, 768] -> [2048, 768]
      }
      case "attention" -> {
        module = new CausalSelfAttention(128, 4, 0f, rng);
        input = Tensor.randn(rng, 16, 128, 128);              // x: [B=16, T=128, C=128]
      }
      default -> throw new IllegalArgumentException("--layer must be linear or attention, got '" + layer + "'");
    }
    if (iters < 1 || (warmup != null && warmup < 0)) throw new IllegalArgumentException("--iters must be >= 1 and --warmup >= 0");
    // the JIT keeps compiling the vector kernels for about 2 s after start-up (runs 6-25 of attention
    // backward are still 2x slow): warm up by time, as bench matmul and bench generate do
    long warmStart = System.nanoTime();
    for (int i = 0; warmup != null ? i < warmup : i < 5 || System.nanoTime() - warmStart < 2_000_000_000L; i++) {
      runOnce(module, input);
    }
    double[] ms = new double[iters];
    for (int i = 0; i < iters; i++) {
      long t0 = System.nanoTime();
      runOnce(module, input);
      ms[i] = (System.nanoTime() - t0) / 1e6;
    }
    double median = Median.of(ms);
    String pass = backward ? "forward+backward" : "forward";
    if (json) {
      System.out.printf(Locale.ROOT,
          "{\"layer\": \"%s\", \"pass\": \"%s\", \"backend\": \"%s\", \"threads\": %d, \"iters\": %d, \"median_ms\": %.4f}%n",
          layer, pass, Backends.current().name(), Parallel.threads(), iters, median);
    } else {
      System.out.printf(Locale.ROOT, "%s %s (%s backend, %d threads): median %.3f ms over %d runs%n",
          layer, pass, Backends.current().name(), Parallel.threads(), median, iters);
    }
  }

  /** One forward (under NoGrad) or forward + backward of sum(y). */
  private void runOnce(Module module, Tensor input) {
    if (backward) {
      Variable x = Variable.of(input, true);
      F.sum(module.forward(x)).backward();
      module.zeroGrad();
    } else {
      try (NoGrad g = NoGrad.enter()) {
        module.forward(Variable.constant(input));
      }
    }
  }
}
