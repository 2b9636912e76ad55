package org.jlora.examples.cli;

import java.lang.management.ManagementFactory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
import org.jlora.engine.Rng;
import org.jlora.examples.data.Batch;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.train.StepReplay;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.ui.Median;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jlora bench train}: median ms per training step (forward, backward, gradient clipping,
 * AdamW) on random tokens after warm-up, tokens/s, and the process's peak resident memory. Models:
 * the small GPT ({@code tiny}, {@code small}), the real-model shapes {@code gpt2-124m} and
 * {@code smollm2-135m}, or any Hugging Face config ({@code --config PATH}), with random weights.
 * examples/src/test/python/bench_hf_torch.py is the PyTorch + transformers + PEFT twin, and
 * scripts/bench-vs-torch.sh runs both in alternated rounds.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "Training step: median ms, tokens/s and peak RSS after warm-up.")
public final class BenchTrainCommand implements Runnable {
  @Mixin KernelOptions kernels;

  @Option(names = "--model", defaultValue = "tiny",
      description = "tiny | small | gpt2-124m | smollm2-135m (default ${DEFAULT-VALUE}); ignored with --config")
  String model;

  @Option(names = "--arch", description = "llama | gpt2: how to read --config (default: its model_type)")
  String arch;

  @Option(names = "--config", description = "a Hugging Face config.json; the model gets random weights")
  Path config;

  @Option(names = "--method", defaultValue = "full", description = "lora | full (default ${DEFAULT-VALUE})")
  String method;

  @Option(names = "--targets", description = "LoRA targets: q_proj,v_proj | all-linear | c_attn ... "
      + "(default: q_proj,v_proj for Llama, c_attn for GPT-2, the q/v slices of c_attn for the small GPT)")
  String targets;

  @Option(names = "--batch", description = "rows per step (default 16 for tiny, 8 for small, else 1)")
  Integer batch;

  @Option(names = "--seq", description = "tokens per row (default: the small GPT's block, else 256)")
  Integer seq;

  @Option(names = "--warmup", defaultValue = "3", description = "untimed steps first (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--steps", defaultValue = "10", description = "timed steps (default ${DEFAULT-VALUE})")
  int steps;

  @Option(names = "--checkpoint-activations", description = "recompute each block in backward (less memory, more compute)")
  boolean checkpointActivations;

  @Option(names = "--base-dtype", defaultValue = "f32", paramLabel = "f32|bf16",
      description = "keep the frozen base's weight matrices in bf16 (LoRA, Llama shapes) (default ${DEFAULT-VALUE})")
  String baseDType;

  @Option(names = "--step-replay", defaultValue = "auto", description = "record the step once and replay its kernels: "
      + "auto (whenever the step can be recorded), on, off (default ${DEFAULT-VALUE})")
  String stepReplay;

  @Option(names = "--json", description = "one JSON line instead of text")
  boolean json;

  @Override
  public void run() {
    kernels.apply();
    if (!method.equals("lora") && !method.equals("full")) {
      throw new IllegalArgumentException("--method must be lora or full, got '" + method + "'");
    }
    if (warmup < 1 || steps < 1) throw new IllegalArgumentException("--warmup must be >= 1 and --steps >= 1");
    boolean bf16Base = BenchModels.bf16Base(baseDType);
    if (bf16Base && !method.equals("lora")) {
      throw new IllegalArgumentException("--base-dtype bf16 keeps the base weights read-only, but --method full trains"
          + " them; use --method lora");
    }
    LanguageModel m = BenchModels.build(model, arch, config, 1L, bf16Base);
    boolean gpt = config == null && (model.equals("tiny") || model.equals("small"));
    int b = batch != null ? batch : !gpt ? 1 : model.equals("small") ? 8 : 16;
    int t = seq != null ? seq : gpt ? m.contextLength() : 256;
    String tg = method.equals("lora") ? BenchModels.injectLora(m, targets).targets() : "-";
    m.setCheckpointActivations(checkpointActivations);
    int vocab = m.vocabSize();
    Trainer.BatchSource random = (rng, rows, len) -> randomBatch(rng, rows, len, vocab);
    // lr is irrelevant to the timing; constant after step 0 keeps the schedule cheap
    TrainConfig tc = TrainConfig.builder().steps(warmup + steps).batchSize(b).contextLength(t).lr(1e-4f)
        .minLr(1e-4f).warmup(0).weightDecay(0.1f).gradClip(1f).eval(0, 1).seed(1L).build();
    Trainer trainer = new Trainer(m, tc, random, null).stepReplay(StepReplay.parse(stepReplay));
    // CPU time of the whole process (every thread: kernels, GC, JIT) per step: on a shared machine
    // wall time depends on what else runs, CPU time much less so
    List<Long> cpuMarks = new ArrayList<>();
    trainer.onStep(rep -> cpuMarks.add(processCpuNanos()));
    trainer.run(warmup);
    trainer.resetTimings();
    TrainResult r = trainer.run();
    double[] cpuMs = new double[steps];
    for (int i = 0; i < steps; i++) cpuMs[i] = (cpuMarks.get(warmup + i) - cpuMarks.get(warmup + i - 1)) / 1e6;
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bench", "train");
    out.put("impl", "jlora");
    out.put("model", BenchModels.name(model, config));
    out.put("method", method);
    out.put("targets", tg);
    out.put("backend", Backends.current().name());
    out.put("threads", Parallel.threads());
    out.put("batch", b);
    out.put("context", t);
    out.put("checkpoint_activations", checkpointActivations);
    out.put("base_dtype", baseDType);
    out.put("step_replay", trainer.replaysSteps());
    out.put("ms_per_step", r.msPerStep());
    out.put("tokens_per_s", r.tokensPerSecond());
    out.put("cpu_ms_per_step", Median.of(cpuMs));
    // the mean over every timed step: the process clock ticks in 10 ms, too coarse for one step
    out.put("cpu_ms_per_step_mean", (cpuMarks.get(warmup + steps - 1) - cpuMarks.get(warmup - 1)) / 1e6 / steps);
    out.put("trainable_params", r.trainableParams());
    out.put("optimizer_state_bytes", r.optimizerStateBytes());
    long rss = BenchModels.putPeakRss(out);
    // the live heap after the last forward (every saved activation held): what a tight -Xmx needs; with
    // checkpointed activations backward adds one block's recompute on top, which only peak RSS sees
    out.put("live_heap_mb", r.peakHeapBytes() / (1024.0 * 1024.0));
    if (json) {
      System.out.println(OutputOptions.line(out));
    } else {
      System.out.printf("train %s %s (%s)%s%s, %s backend, %d threads, batch %d x %d: %.1f ms/step, %.0f tokens/s, "
              + "%.0f CPU ms/step, peak RSS %s, live heap %.0f MiB (median of %d after %d warm-up)%n",
          BenchModels.name(model, config), method, tg, (checkpointActivations ? ", checkpointed activations" : "")
              + (trainer.replaysSteps() ? ", replayed step" : ""),
          bf16Base ? ", bf16 base" : "",
          Backends.current().name(), Parallel.threads(), b, t, r.msPerStep(), r.tokensPerSecond(), Median.of(cpuMs),
          BenchModels.rssText(rss),
          r.peakHeapBytes() / (1024.0 * 1024.0), steps, warmup);
    }
  }

  /** CPU time used by this process so far, all threads. */
  static long processCpuNanos() {
    return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
  }

  static Batch randomBatch(Rng rng, int rows, int len, int vocab) {
    int[] x = new int[rows * len];
    int[] y = new int[rows * len];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextInt(vocab);
      y[i] = rng.nextInt(vocab);
    }
    return new Batch(x, y, rows, len);
  }
}
