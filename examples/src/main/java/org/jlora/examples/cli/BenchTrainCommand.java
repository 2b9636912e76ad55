package org.jlora.examples.cli;

import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
import org.jlora.engine.Rng;
import org.jlora.examples.data.Batch;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.GptLora;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.lora.LoraModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jlora bench train}: median ms per training step (forward, backward, AdamW) of the tiny or
 * small GPT on random tokens at full context, after warm-up. Vocabulary 65 (a char-level corpus);
 * batch 16 for tiny, 8 for small. examples/src/test/python/bench_train_torch.py is the PyTorch twin.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
    description = "GPT training step: median ms and tokens/s after warm-up.")
public final class BenchTrainCommand implements Runnable {
  static final int VOCAB = 65;

  @Mixin KernelOptions kernels;

  @Option(names = "--model", defaultValue = "tiny", description = "tiny | small (default ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--method", defaultValue = "full", description = "lora | full (default ${DEFAULT-VALUE})")
  String method;


  @Option(names = "--batch", description = "rows per step (default 16 for tiny, 8 for small)")
  Integer batch;

  @Option(names = "--warmup", defaultValue = "3", description = "untimed steps first (default ${DEFAULT-VALUE})")
  int warmup;

  @Option(names = "--steps", defaultValue = "10", description = "timed steps (default ${DEFAULT-VALUE})")
  int steps;


  @Option(names = "--json", description = "one JSON line instead of text")
  boolean json;

  @Override
  public void run() {
    kernels.apply();
    if (!method.equals("lora") && !method.equals("full")) {
      throw new IllegalArgumentException("--method must be lora or full, got '" + method + "'");
    }
    if (warmup < 0 || steps < 1) throw new IllegalArgumentException("--warmup must be >= 0 and --steps >= 1");
    GptConfig cfg = GptConfig.named(model, VOCAB);
    int b = batch != null ? batch : model.equals("small") ? 8 : 16;
    int t = cfg.blockSize();
    Gpt gpt = new Gpt(cfg, 1L);
    if (method.equals("lora")) LoraModel.inject(gpt, GptLora.queryValue(8, 16f, 0f, 1L));
    Trainer.BatchSource random = (rng, rows, len) -> randomBatch(rng, rows, len);
    // lr is irrelevant to the timing; constant after step 0 keeps the schedule cheap
    TrainConfig tc = TrainConfig.builder().steps(warmup + steps).batchSize(b).contextLength(t).lr(1e-4f)
        .minLr(1e-4f).warmup(0).weightDecay(0.1f).gradClip(1f).eval(0, 1).seed(1L).build();
    Trainer trainer = new Trainer(gpt, tc, random, null);
    trainer.run(warmup);
    trainer.resetTimings();
    TrainResult r = trainer.run();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("bench", "train");
    out.put("model", model);
    out.put("method", method);
    out.put("backend", Backends.current().name());
    out.put("threads", Parallel.threads());
    out.put("batch", b);
    out.put("context", t);
    out.put("ms_per_step", r.msPerStep());
    out.put("tokens_per_s", r.tokensPerSecond());
    out.put("trainable_params", r.trainableParams());
    out.put("optimizer_state_bytes", r.optimizerStateBytes());
    if (json) {
      System.out.println(OutputOptions.line(out));
    } else {
      System.out.printf("train %s %s, %s backend, %d threads, batch %d x %d: %.1f ms/step, %.0f tokens/s (median of %d after %d warm-up)%n",
          model, method, Backends.current().name(), Parallel.threads(), b, t, r.msPerStep(), r.tokensPerSecond(), steps, warmup);
    }
  }

  static Batch randomBatch(Rng rng, int rows, int len) {
    int[] x = new int[rows * len];
    int[] y = new int[rows * len];
    for (int i = 0; i < x.length; i++) {
      x[i] = rng.nextInt(VOCAB);
      y[i] = rng.nextInt(VOCAB);
    }
    return new Batch(x, y, rows, len);
  }
}
