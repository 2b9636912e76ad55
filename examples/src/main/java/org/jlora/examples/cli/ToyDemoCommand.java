package org.jlora.examples.cli;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.examples.data.ExactMatch;
import org.jlora.examples.gpt.Demo;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.ui.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jlora toy-demo}: pretrain (or reuse) a small GPT, adapt it with LoRA and with full
 * fine-tuning, print one side-by-side table, save the adapter (PEFT format) and a loss plot.
 */
@Command(name = "toy-demo", mixinStandardHelpOptions = true,
    description = {"Pretrain a small GPT (4 layers, 64 dims) on copy/reverse of words, or reuse the one cached in --dir,",
        "teach it to rotate words left (abcd -> bcda) with LoRA on q,v and with full fine-tuning, and compare them",
        "side by side; saves the adapter (PEFT format) and a PNG of the loss curves."})
public final class ToyDemoCommand implements Runnable {
  @Mixin OutputOptions output;

  @Option(names = "--dir", defaultValue = ".jlora/toy-demo", description = "work directory (default ${DEFAULT-VALUE})")
  Path dir;

  @Option(names = "--pretrain-steps", description = "pretraining steps (default 1200)")
  Integer pretrainSteps;

  @Option(names = "--steps", description = "adaptation steps for each method (default 600)")
  Integer steps;

  @Option(names = "--rank", description = "LoRA rank (default 8)")
  Integer rank;

  @Option(names = "--eval", description = "held-out examples per accuracy (default 200)")
  Integer evalExamples;

  @Mixin KernelOptions kernels;

  @Override
  public void run() {
    kernels.apply();
    Demo.Builder b = Demo.Options.builder().workDir(dir).mode(output.mode());
    if (pretrainSteps != null) b.pretrainSteps(Figures.pos(pretrainSteps, 1, "--pretrain-steps"));
    if (steps != null) b.adaptSteps(Figures.pos(steps, 1, "--steps"));
    if (rank != null) b.rank(Figures.pos(rank, 1, "--rank")).alpha(2f * rank);
    if (evalExamples != null) b.evalExamples(Figures.pos(evalExamples, 1, "--eval"));
    Demo.Options d = b.build();
    long t0 = System.nanoTime();
    Demo.Report r;
    try {
      r = Demo.run(d, output.quiet() ? new java.io.PrintStream(java.io.OutputStream.nullOutputStream()) : System.err);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    TrainResult l = r.lora().result();
    TrainResult f = r.full().result();
    double ratio = r.full().accuracy() == 0 ? Double.NaN : r.lora().accuracy() / r.full().accuracy();
    if (output.json()) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("demo", "lora-vs-full");
      o.put("seconds", seconds);
      o.put("model", r.options().model().toString());
      o.put("base_reused", r.baseReused());
      o.put("base_task_accuracy", r.baseTaskAccuracyBefore());
      o.put("accuracy_before", r.accuracyBefore());
      o.put("lora", arm(r.lora()));
      o.put("full", arm(r.full()));
      if (Double.isFinite(ratio)) o.put("lora_over_full_accuracy", ratio);
      o.put("adapter", r.adapterDir().toString());
      o.put("plot", r.plot().toString());
      System.out.println(OutputOptions.line(o));
      return;
    }
    String task = "'" + Demo.ADAPT_TASK + "'";
    Table table = new Table("", "LoRA (r=" + d.rank() + ", q,v)", "full fine-tuning");
    table.row("trainable params", l.trainableParams() + String.format(" (%.2f%%)", 100.0 * l.trainableParams() / l.totalParams()),
        f.trainableParams() + String.format(" (%.0f%%)", 100.0 * f.trainableParams() / f.totalParams()));
    table.row("optimizer state", Figures.bytes(l.optimizerStateBytes()) + String.format(" (%.1f%% of full)",
        100.0 * l.optimizerStateBytes() / f.optimizerStateBytes()), Figures.bytes(f.optimizerStateBytes()));
    table.row("peak heap in training*", Figures.bytes(l.peakHeapBytes()), Figures.bytes(f.peakHeapBytes()));
    table.row("live heap after training**", Figures.bytes(r.lora().liveHeapBytes()), Figures.bytes(r.full().liveHeapBytes()));
    table.row("ms / step", Figures.fmt(l.msPerStep(), 1), Figures.fmt(f.msPerStep(), 1));
    table.row("tokens / s", Figures.fmt(l.tokensPerSecond(), 0), Figures.fmt(f.tokensPerSecond(), 0));
    table.row("final train loss", Figures.fmt(l.finalTrainLoss(), 3), Figures.fmt(f.finalTrainLoss(), 3));
    table.row("final val loss", Figures.fmt(l.finalValLoss(), 3), Figures.fmt(f.finalValLoss(), 3));
    table.row(task + " accuracy before", Figures.pct(r.accuracyBefore()), Figures.pct(r.accuracyBefore()));
    table.row(task + " accuracy after", Figures.pct(r.lora().accuracy()), Figures.pct(r.full().accuracy()));
    table.row("copy/reverse accuracy before", Figures.pct(r.baseTaskAccuracyBefore()), Figures.pct(r.baseTaskAccuracyBefore()));
    table.row("copy/reverse accuracy after", Figures.pct(r.lora().baseTaskAccuracy()), Figures.pct(r.full().baseTaskAccuracy()));
    table.row("  ... with the adapter off", Figures.pct(r.lora().baseTaskAccuracyAdapterOff()), "(no adapter to drop)");
    GptConfig c = r.options().model();
    System.out.printf("%nAdapting a %d-layer, %d-head, %d-dim GPT (%d parameters) from copy/reverse to %s (rotate left: "
        + "abcd -> bcda),%n%d steps each, batch %d x %d:%n%n", c.nLayer(), c.nHead(), c.nEmbd(), f.totalParams(), task,
        d.adaptSteps(), d.batch(), d.context());
    table.print(System.out);
    System.out.println("* live heap at the fullest point of a training step: after the forward pass, with every saved"
        + " activation held (class histogram, last step)");
    System.out.println("** bytes of reachable objects (HotSpot's class histogram) at the end of training, with the model, its"
        + " gradients and the optimizer state held");
    System.out.printf("%nLoRA reaches %.0f%% of full fine-tuning's accuracy with %.2f%% of its trainable parameters.%n",
        100 * ratio, 100.0 * l.trainableParams() / f.trainableParams());
    System.out.println("\nLoRA samples (held-out words):");
    for (ExactMatch.Sample s : r.lora().samples()) {
      System.out.printf("  %-14s -> %-10s %s%n", s.prompt(), s.got().strip(), s.correct() ? "ok" : "(expected " + s.expected().strip() + ")");
    }
    System.out.printf("%nadapter (PEFT format): %s%nloss curves: %s%nbase model: %s%s%ntotal time: %.0f s%n", r.adapterDir(),
        r.plot(), r.baseDir(), r.baseReused() ? " (reused)" : "", seconds);
  }

  private static Map<String, Object> arm(Demo.Arm a) {
    Map<String, Object> m = new LinkedHashMap<>(a.result().summary());
    m.put("live_heap_after_training_bytes", a.liveHeapBytes());
    m.put("accuracy", a.accuracy());
    m.put("base_task_accuracy", a.baseTaskAccuracy());
    if (Double.isFinite(a.baseTaskAccuracyAdapterOff())) m.put("base_task_accuracy_adapter_off", a.baseTaskAccuracyAdapterOff());
    return m;
  }
}
