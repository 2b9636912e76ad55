package org.jlora.examples.cli;

import java.util.Arrays;
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
import picocli.CommandLine.Option;

/**
 * {@code jlora bench layer}: one layer's forward (under NoGrad) or forward + backward, median
 * milliseconds after warm-up. "linear": x [2048, 768] through Linear(768 -> 768); "attention":
 * one causal self-attention block, x [16, 128, 128], 4 heads. scripts/bench-layers-vs-torch.py
 * times the same with PyTorch.
 */
@Command(name = "layer", mixinStandardHelpOptions = true,
    description = "Linear or attention layer forward (+ backward): median ms after warm-up.")
public final class BenchLayerCommand implements Runnable {
  @Option(names = "--layer", defaultValue = "linear", description = "linear | attention (default ${DEFAULT-VALUE})")
  String layer;

  @Option(names = "--backward", description = "time forward + backward instead of forward alone")
  boolean backward;

  @Option(names = "--threads", defaultValue = "0", description = "kernel threads (0: all cores)")
  int threads;

  @Option(names = "--backend", description = "scalar | vector (default: -Djlora.backend or vector)")
  String backend;

  @Option(names = "--warmup", defaultValue = "5", description = "untimed runs first (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--iters", defaultValue = "20", description = "timed runs (default ${DEFAULT-VALUE})")
  int iters;

  @Option(names = "--json", description = "one JSON object instead of text")
  boolean json;

  @Override
  public void run() {
    if (threads > 0) Parallel.setThreads(threads);
    if (backend != null) Backends.use(backend);
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
    double[] ms = new double[iters];
    for (int i = -warmup; i < iters; i++) {
      long t0 = System.nanoTime();
      if (backward) {
        Variable x = Variable.of(input, true);
        F.sum(module.forward(x)).backward();
        module.zeroGrad();
      } else {
        try (NoGrad g = NoGrad.enter()) {
          module.forward(Variable.constant(input));
        }
      }
      long t1 = System.nanoTime();
      if (i >= 0) ms[i] = (t1 - t0) / 1e6;
    }
    Arrays.sort(ms);
    double median = iters % 2 == 1 ? ms[iters / 2] : (ms[iters / 2 - 1] + ms[iters / 2]) / 2;
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
}
