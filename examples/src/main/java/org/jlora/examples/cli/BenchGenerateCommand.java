package org.jlora.examples.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.generate.Generator;
import org.jlora.examples.train.StepReplay;
import java.nio.file.Path;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.generate.Sampling;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import org.jlora.examples.ui.Median;

/**
 * {@code jlora bench generate}: tokens/s of greedy generation with the KV cache, batch 1: a
 * 16-token prompt, then {@code --tokens} new tokens (no stop token), median over repeats. Models as
 * in {@code bench train}; examples/src/test/python/bench_hf_torch.py times transformers' {@code generate}.
 */
@Command(name = "generate", mixinStandardHelpOptions = true,
    description = "GPT generation with the KV cache: median tokens/s after warm-up.")
public final class BenchGenerateCommand implements Runnable {
  @Mixin KernelOptions kernels;

  @Option(names = "--model", defaultValue = "tiny",
      description = "tiny | small | gpt2-124m | smollm2-135m (default ${DEFAULT-VALUE}); ignored with --config")
  String model;

  @Option(names = "--arch", description = "llama | gpt2: how to read --config (default: its model_type)")
  String arch;

  @Option(names = "--config", description = "a Hugging Face config.json; the model gets random weights")
  Path config;

  @Option(names = "--tokens", defaultValue = "100", description = "new tokens per run (default ${DEFAULT-VALUE})")
  int tokens;


  @Option(names = "--warmup", description = "untimed runs first (default: until the process has used 3 s of CPU, at least 3)")
  Integer warmup;

  @Option(names = "--iters", defaultValue = "10", description = "timed runs (default ${DEFAULT-VALUE})")
  int iters;

  @Option(names = "--no-cache", description = "recompute the whole prefix for every token (the slow reference)")
  boolean noCache;

  @Option(names = "--lora", description = "generate through a LoRA adapter (r 8) on these targets (e.g. q_proj,v_proj, "
      + "all-linear; c_attn on GPT-2), its B random so the adapter is not a no-op")
  String lora;

  @Option(names = "--merged", description = "with --lora: merge the adapter into the weights first (what it costs "
      + "should be exactly the base model's)")
  boolean merged;


  @Option(names = "--base-dtype", defaultValue = "f32", paramLabel = "f32|bf16",
      description = "keep the weight matrices in bf16 (Llama shapes; half the bytes every token reads), or f32 "
          + "(default ${DEFAULT-VALUE})")
  String baseDType;

  @Option(names = "--step-replay", defaultValue = "auto", description = "record the forward of the first new token "
      + "once and replay its kernels for every later token: auto (where the backend runs recorded steps on a device), "
      + "on, off; the tokens are the same (default ${DEFAULT-VALUE})")
  String stepReplay;

  @Option(names = "--json", description = "one JSON line instead of text")
  boolean json;

  @Override
  public void run() {
    kernels.apply();
    if (iters < 1 || (warmup != null && warmup < 0)) throw new IllegalArgumentException("--iters must be >= 1 and --warmup >= 0");
    if (merged && lora == null) throw new IllegalArgumentException("--merged needs --lora TARGETS");
    boolean bf16 = BenchModels.bf16Base(baseDType);
    if (bf16 && merged) throw new IllegalArgumentException("--merged writes into the weights, which bf16 keeps read-only");
    LanguageModel m = BenchModels.build(model, arch, config, 1L, bf16);
    String adapter = "none";
    if (lora != null) {
      BenchModels.Lora injected = BenchModels.injectLora(m, lora);
      adapter = injected.targets();
      Rng b = new Rng(2);   // B starts at zero; a random B makes the adapter change the logits
      for (var e : m.namedParameters().entrySet()) {
        if (e.getKey().contains("lora_B")) e.getValue().value().copyFrom(Tensor.randn(b, 0f, 0.02f, e.getValue().shape()));
      }
      if (merged) {
        injected.model().mergeAndUnload();
        adapter += " (merged)";
      }
    }
    int promptLength = 16;
    if (tokens < 1 || tokens > m.contextLength() - promptLength) {
      throw new IllegalArgumentException("--tokens must be in [1, " + (m.contextLength() - promptLength) + "] for "
          + model + " (context " + m.contextLength() + ", prompt " + promptLength + ")");
    }
    Generator gen = new Generator(m).decodeReplay(StepReplay.parse(stepReplay));
    Rng rng = new Rng(3);
    int[][] prompt = new int[1][promptLength];
    for (int i = 0; i < promptLength; i++) prompt[0][i] = rng.nextInt(m.vocabSize());
    // the first run alone takes about 1 s (class loading, interpreter) and the JIT compiles the per-token
    // kernels only after many calls: warm up until this process has used 3 s of CPU (not wall time: on a
    // loaded machine the JIT's threads get little of it), at least 3 runs
    long cpuStart = BenchTrainCommand.processCpuNanos();
    for (int i = 0; warmup != null ? i < warmup : i < 3 || BenchTrainCommand.processCpuNanos() - cpuStart < 3_000_000_000L; i++) {
      gen.generate(prompt, tokens, Sampling.GREEDY, rng, -1, !noCache);
    }
    double[] tps = new double[iters];
    double[] cpuMs = new double[iters];   // CPU of the whole process per token: steadier than wall time on a shared machine
    for (int i = 0; i < iters; i++) {
      long t0 = System.nanoTime();
      long c0 = BenchTrainCommand.processCpuNanos();
      int n = gen.generate(prompt, tokens, Sampling.GREEDY, rng, -1, !noCache).tokens(0).length;
      double s = (System.nanoTime() - t0) / 1e9;
      tps[i] = n / s;
      cpuMs[i] = (BenchTrainCommand.processCpuNanos() - c0) / 1e6 / n;
    }
    double median = Median.of(tps);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bench", "generate");
    out.put("impl", "jlora");
    out.put("model", BenchModels.name(model, config));
    out.put("backend", Backends.current().name());
    out.put("threads", Parallel.threads());
    out.put("kv_cache", !noCache);
    out.put("decode_replayed", gen.replayedDecode());
    out.put("lora", adapter);
    out.put("base_dtype", baseDType);
    out.put("tokens", tokens);
    out.put("tokens_per_s", median);
    out.put("cpu_ms_per_token", Median.of(cpuMs));
    long rss = BenchModels.putPeakRss(out);
    if (json) {
      System.out.println(OutputOptions.line(out));
    } else {
      System.out.printf("generate %s%s, %s backend, %d threads, %s: %.0f tokens/s, %.1f CPU ms per token (medians of %d, "
              + "%d new tokens after a %d-token prompt), peak RSS %s%n", BenchModels.name(model, config),
          (lora == null ? "" : ", LoRA " + adapter) + (bf16 ? ", bf16 weights" : ""), Backends.current().name(), Parallel.threads(),
          noCache ? "no cache" : gen.replayedDecode() ? "KV cache, decode step replayed" : "KV cache", median,
          Median.of(cpuMs), iters, tokens, promptLength, BenchModels.rssText(rss));
    }
  }
}
