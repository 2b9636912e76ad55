package org.jlora.examples.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
import org.jlora.engine.Rng;
import org.jlora.examples.generate.Generator;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.generate.Sampling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.jlora.examples.ui.Median;

/**
 * {@code jlora bench generate}: tokens/s of greedy generation with the KV cache, batch 1: a
 * 16-token prompt, then {@code --tokens} new tokens (no stop token), median over repeats.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "GPT generation with the KV cache: median tokens/s after warm-up.")
public final class BenchGenerateCommand implements Runnable {
  @Mixin KernelOptions kernels;

  @Option(names = "--model", defaultValue = "tiny", description = "tiny | small (default ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--tokens", defaultValue = "100", description = "new tokens per run (default ${DEFAULT-VALUE})")
  int tokens;


  @Option(names = "--warmup", description = "untimed runs first (default: run until about 2 s have passed, at least 3)")
  Integer warmup;

  @Option(names = "--iters", defaultValue = "10", description = "timed runs (default ${DEFAULT-VALUE})")
  int iters;

  @Option(names = "--no-cache", description = "recompute the whole prefix for every token (the slow reference)")
  boolean noCache;


  @Option(names = "--json", description = "one JSON line instead of text")
  boolean json;

  @Override
  public void run() {
    kernels.apply();
    if (iters < 1 || (warmup != null && warmup < 0)) throw new IllegalArgumentException("--iters must be >= 1 and --warmup >= 0");
    GptConfig cfg = GptConfig.named(model, BenchTrainCommand.VOCAB);
    int promptLength = 16;
    if (tokens < 1 || tokens > cfg.blockSize() - promptLength) {
      throw new IllegalArgumentException("--tokens must be in [1, " + (cfg.blockSize() - promptLength) + "] for "
          + model + " (block size " + cfg.blockSize() + ", prompt " + promptLength + ")");
    }
    Gpt gpt = new Gpt(cfg, 1L);
    Generator gen = new Generator(gpt);
    Rng rng = new Rng(3);
    int[][] prompt = new int[1][promptLength];
    for (int i = 0; i < promptLength; i++) prompt[0][i] = rng.nextInt(cfg.vocabSize());
    // the first run alone takes about 1 s (class loading, interpreter) and the JIT compiles the per-token
    // kernels only after many calls: warm up by time, as bench matmul does
    long warmStart = System.nanoTime();
    for (int i = 0; warmup != null ? i < warmup : i < 3 || System.nanoTime() - warmStart < 2_000_000_000L; i++) {
      gen.generate(prompt, tokens, Sampling.GREEDY, rng, -1, !noCache);
    }
    double[] tps = new double[iters];
    for (int i = 0; i < iters; i++) {
      long t0 = System.nanoTime();
      int n = gen.generate(prompt, tokens, Sampling.GREEDY, rng, -1, !noCache).tokens(0).length;
      double s = (System.nanoTime() - t0) / 1e9;
      tps[i] = n / s;
    }
    double median = Median.of(tps);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bench", "generate");
    out.put("model", model);
    out.put("backend", Backends.current().name());
    out.put("threads", Parallel.threads());
    out.put("kv_cache", !noCache);
    out.put("tokens", tokens);
    out.put("tokens_per_s", median);
    if (json) {
      System.out.println(OutputOptions.line(out));
    } else {
      System.out.printf("generate %s, %s backend, %d threads, %s: %.0f tokens/s (median of %d, %d new tokens after a %d-token prompt)%n",
          model, Backends.current().name(), Parallel.threads(), noCache ? "no cache" : "KV cache", median, iters, tokens, promptLength);
    }
  }
}
