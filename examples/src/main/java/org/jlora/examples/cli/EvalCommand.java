package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.autograd.NoGrad;
import org.jlora.examples.data.ExactMatch;
import org.jlora.examples.data.Task;
import org.jlora.examples.data.Tasks;
import org.jlora.examples.dataset.EvalLines;
import org.jlora.examples.gpt.Completions;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.model.LanguageModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jlora eval}: the mean next-token cross-entropy of a model on a file (what
 * {@code model(input_ids, labels=input_ids).loss} gives, pooled over every line), or the toy
 * model's exact-match accuracy on its built-in task.
 */
@Command(name = "eval", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Mean next-token loss (nats/token) on --data FILE, one example a line; or, for the toy model,"
        + " exact-match accuracy on a built-in task.",
        "  jlora eval --model stories260K.bin --data text.txt --json"})
public final class EvalCommand implements Runnable {
  @Option(names = "--model", defaultValue = ".jlora/base",
      description = "the model: a Hugging Face directory, a llama2.c .bin, or a jlora checkpoint (default ${DEFAULT-VALUE})")
  Path model;

  @Option(names = "--tokenizer", description = "tokenizer file or directory, if not the one found with the model")
  Path tokenizer;

  @Option(names = "--adapter", description = "PEFT adapter directory to apply")
  Path adapter;

  @Option(names = "--data", description = "UTF-8 text, one example a line, each encoded as the Hugging Face tokenizer"
      + " does by default and cut to the model's context; the loss counts every predicted token")
  Path data;

  @Option(names = "--task", description = "toy model: built-in task or family to score: base, adapt (default), cpy, rev,"
      + " rol, swp, rot, srt")
  String task;

  @Option(names = "-n", defaultValue = "200", description = "toy model: held-out examples (default ${DEFAULT-VALUE})")
  int n;

  @Option(names = "--seed", defaultValue = "1", description = "toy model: seed of the held-out examples (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--json", description = "print the result as one JSON line")
  boolean json;

  @Mixin KernelOptions kernels;
  @Mixin WeightOptions weights;
  @Mixin BaseDTypeOptions baseDType;

  @Override
  public void run() {
    weights.apply();
    if (n < 1) throw new IllegalArgumentException("-n must be >= 1, got " + n);
    if (data != null && task != null) throw new IllegalArgumentException("give --data or --task, not both");
    kernels.apply();
    Models.Loaded loaded = Models.open(model, tokenizer, adapter, false, baseDType.get());
    Map<String, Object> m = new LinkedHashMap<>();
    if (data != null) {
      EvalLines lines;
      try {
        lines = EvalLines.read(data, loaded.tokenizer(), loaded.model().contextLength());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      double loss = meanLoss(loaded.model(), lines);
      m.put("loss", loss);
      m.put("tokens", lines.predictedTokens());
      print(m, String.format("%s: %.4f nats/token over %d predicted tokens (%d lines%s)", data, loss,
          lines.predictedTokens(), lines.rows().size(),
          lines.truncatedLines() > 0 ? ", " + lines.truncatedLines() + " cut to the context" : ""));
      return;
    }
    if (!(loaded.model() instanceof Gpt gpt) || !(loaded.tokenizer() instanceof org.jlora.examples.data.CharTokenizer chars)) {
      throw new IllegalArgumentException("give --data FILE: task accuracy is for the toy model of `jlora pretrain` only");
    }
    Task scored = Tasks.family(task != null ? task : "adapt");
    ExactMatch.Result r = ExactMatch.evaluate(scored, n, seed, Completions.greedy(gpt, chars, Tasks.MAX_LETTERS + 1));
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

  /** The loss pooled over every predicted token of every line, in eval mode without a graph. */
  static double meanLoss(LanguageModel model, EvalLines lines) {
    boolean wasTraining = model.isTraining();
    model.eval();
    try (NoGrad g = NoGrad.enter()) {
      return lines.meanLoss(row -> model.loss(row.inputs(), row.targets(), row.batchSize(), row.blockSize()).value().item());
    } finally {
      model.train(wasTraining);
    }
  }

  private void print(Map<String, Object> m, String text) {
    System.out.println(json ? OutputOptions.line(m) : text);
  }
}
