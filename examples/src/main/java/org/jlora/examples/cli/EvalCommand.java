package org.jlora.examples.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.examples.data.ExactMatch;
import org.jlora.examples.data.Task;
import org.jlora.examples.data.Tasks;
import org.jlora.examples.gpt.Checkpoint;
import org.jlora.examples.gpt.Completions;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jlora eval}: exact-match accuracy on a task's held-out examples, or validation loss on a text file. */
@Command(name = "eval", mixinStandardHelpOptions = true,
    description = "Exact-match accuracy on held-out task examples, or validation loss on --data FILE.")
public final class EvalCommand implements Runnable {
  @Option(names = "--json", description = "print the result as one JSON line")
  boolean json;

  @Option(names = "--data", description = "validation loss on this UTF-8 text file (its last 10%%) instead of task accuracy")
  Path data;

  @Option(names = "--task", description = "built-in task or family to score: base, adapt (default), cpy, rev, rol, swp, rot, srt")
  String task;

  @Option(names = "--seed", defaultValue = "1", description = "seed of the held-out examples (default ${DEFAULT-VALUE})")
  long seed;

  @Mixin KernelOptions kernels;

  @Option(names = "--model", defaultValue = ".jlora/base", description = "checkpoint directory (default ${DEFAULT-VALUE})")
  Path model;

  @Option(names = "--adapter", description = "PEFT adapter directory to apply")
  Path adapter;

  @Option(names = "-n", defaultValue = "200", description = "held-out examples (default ${DEFAULT-VALUE})")
  int n;

  @Override
  public void run() {
    if (n < 1) throw new IllegalArgumentException("-n must be >= 1, got " + n);
    kernels.apply();
    Checkpoint.Loaded loaded = Models.load(model, adapter, false);
    Map<String, Object> m = new LinkedHashMap<>();
    if (data != null) {
      TrainOptions.Data d = TrainOptions.data(data, task, null);
      if (!d.tokenizer().equals(loaded.tokenizer())) {
        throw new IllegalArgumentException(data + " has characters the model's tokenizer does not know");
      }
      int t = Math.min(128, loaded.model().config().blockSize());
      TrainConfig tc = TrainConfig.builder().steps(1).batchSize(16).contextLength(t).lr(1e-3f)
          .warmup(0).weightDecay(0f).gradClip(0f).eval(0, Math.max(1, n / 16)).seed(seed).build();
      double loss = new Trainer(loaded.model(), tc, d.train(), d.validation()).validationLoss();
      m.put("data", data.toString());
      m.put("val_loss", loss);
      print(m, String.format("validation loss on %s: %.4f", data, loss));
      return;
    }
    Task scored = Tasks.family(task != null ? task : "adapt");
    ExactMatch.Result r = ExactMatch.evaluate(scored, n, seed,
        Completions.greedy(loaded.model(), loaded.tokenizer(), Tasks.MAX_LETTERS + 1));
    m.put("task", scored.name());
    m.put("accuracy", r.accuracy());
    m.put("correct", r.correct());
    m.put("total", r.total());
    StringBuilder text = new StringBuilder(String.format("%s: %d / %d exact (%.1f%%)", scored.name(), r.correct(), r.total(),
        100 * r.accuracy()));
    for (ExactMatch.Sample s : r.samples()) {
      text.append(String.format("%n  %-14s -> %-10s %s", s.prompt(), s.got().strip(), s.correct() ? "ok" : "(expected "
          + s.expected().strip() + ")"));
    }
    print(m, text.toString());
  }

  private void print(Map<String, Object> m, String text) {
    System.out.println(json ? OutputOptions.line(m) : text);
  }
}
