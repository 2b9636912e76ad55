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
  @Mixin OutputOptions output;
  @Mixin TrainOptions data;

  @Option(names = "--model", defaultValue = ".jlora/base", description = "checkpoint directory (default ${DEFAULT-VALUE})")
  Path model;

  @Option(names = "--adapter", description = "PEFT adapter directory to apply")
  Path adapter;

  @Option(names = "-n", defaultValue = "200", description = "held-out examples (default ${DEFAULT-VALUE})")
  int n;

  @Override
  public void run() {
    if (n < 1) throw new IllegalArgumentException("-n must be >= 1, got " + n);
    Checkpoint.Loaded loaded = Models.load(model, adapter, false);
    Map<String, Object> m = new LinkedHashMap<>();
    if (data.data != null) {
      TrainOptions.Data d = data.data(null);
      if (!d.tokenizer().equals(loaded.tokenizer())) {
        throw new IllegalArgumentException(data.data + " has characters the model's tokenizer does not know");
      }
      int t = Math.min(128, loaded.model().config().blockSize());
      TrainConfig tc = new TrainConfig(1, 16, t, 1e-3f, 1e-3f, 0, 0f, 0f, 1, 0, Math.max(1, n / 16), data.seed);
      double loss = new Trainer(loaded.model(), tc, d.train(), d.validation()).validationLoss();
      m.put("data", data.data.toString());
      m.put("val_loss", loss);
      print(m, String.format("validation loss on %s: %.4f", data.data, loss));
      return;
    }
    Task task = Tasks.family(data.task != null ? data.task : "adapt");
    ExactMatch.Result r = ExactMatch.evaluate(task, n, data.seed,
        Completions.greedy(loaded.model(), loaded.tokenizer(), Tasks.MAX_LETTERS + 1));
    m.put("task", task.name());
    m.put("accuracy", r.accuracy());
    m.put("correct", r.correct());
    m.put("total", r.total());
    StringBuilder text = new StringBuilder(String.format("%s: %d / %d exact (%.1f%%)", task.name(), r.correct(), r.total(),
        100 * r.accuracy()));
    for (ExactMatch.Sample s : r.samples()) {
      text.append(String.format("%n  %-14s -> %-10s %s", s.prompt(), s.got().strip(), s.correct() ? "ok" : "(expected "
          + s.expected().strip() + ")"));
    }
    print(m, text.toString());
  }

  private void print(Map<String, Object> m, String text) {
    System.out.println(output.json() ? OutputOptions.line(m) : text);
  }
}
