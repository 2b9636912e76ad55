package org.jlora.examples.cli;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.examples.demo.FinetuneDemo;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.ui.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jlora demo}: the main job on a real model. A pretrained Llama (stories260K, found beside
 * the project or given with --model) is adapted to a text of your choice (The Devil's Dictionary by
 * default) with LoRA and with full fine-tuning, side by side.
 */
@Command(name = "demo", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Fine-tune a real pretrained model (stories260K, a Llama trained on children's stories) on The Devil's",
        "Dictionary with LoRA and with full fine-tuning, side by side: validation loss and samples before and after,",
        "trainable parameters, memory, speed, a PNG of the loss curves, the adapter (PEFT format) and the merged model.",
        "The toy model of the first version (a small GPT on generated tasks) is `jlora toy-demo`."})
public final class DemoCommand implements Runnable {
  @Option(names = "--model", description = "the model (default " + "../shared/models/stories260K.bin, beside the project)")
  Path model;

  @Option(names = "--tokenizer", description = "its tokenizer, if not found with it (a .bin model: tokenizer.bin or tok*.bin beside it)")
  Path tokenizer;

  @Option(names = "--data", description = "the text (default ../shared/data/devils-dictionary.txt, beside the project)")
  Path data;

  @Option(names = "--steps", description = "training steps of each method (default 300)")
  Integer steps;

  @Option(names = "--rank", description = "LoRA rank; alpha = 2 x rank (default 8)")
  Integer rank;

  @Option(names = "--targets", split = ",", description = "LoRA targets (default all-linear)")
  List<String> targets;

  @Option(names = "--dir", defaultValue = ".jlora/demo", description = "where the adapter, merged model and plot go (default ${DEFAULT-VALUE})")
  Path dir;

  @Mixin KernelOptions kernels;
  @Mixin WeightOptions weights;
  @Mixin OutputOptions output;

  @Override
  public void run() {
    weights.apply();
    kernels.apply();
    FinetuneDemo.Builder b = FinetuneDemo.Options.defaults().workDir(dir).mode(output.mode());
    if (model != null) b.model(model);
    if (tokenizer != null) b.tokenizer(tokenizer);
    if (data != null) b.data(data);
    if (steps != null) b.steps(Figures.pos(steps, 300, "--steps"));
    if (rank != null) b.rank(Figures.pos(rank, 8, "--rank"));
    if (targets != null) b.targets(targets);
    FinetuneDemo.Options o = b.build();
    long t0 = System.nanoTime();
    FinetuneDemo.Report r;
    try {
      r = FinetuneDemo.run(o, output.quiet() || output.json() ? new PrintStream(OutputStream.nullOutputStream()) : System.err);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    if (output.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("demo", "real-model lora-vs-full");
      m.put("model", r.modelDescription());
      m.put("data", o.data().toString());
      m.put("seconds", seconds);
      m.put("val_loss_before", r.valLossBefore());
      m.put("lora", arm(r.lora()));
      m.put("full", arm(r.full()));
      m.put("lora_targets", r.loraTargets());
      m.put("merged_vs_unmerged_max_rel_diff", r.mergedVsUnmerged());
      m.put("adapter", r.adapterDir().toString());
      m.put("merged_model", r.mergedModel().toString());
      m.put("plot", r.plot().toString());
      System.out.println(OutputOptions.line(m));
      return;
    }
    TrainResult l = r.lora().result();
    TrainResult f = r.full().result();
    Table table = new Table("", "LoRA (r=" + o.rank() + ", " + (o.targets().size() == 1 ? o.targets().get(0) : "custom") + ")",
        "full fine-tuning");
    table.row("trainable params", l.trainableParams() + String.format(" (%.2f%%)", 100.0 * l.trainableParams() / l.totalParams()),
        f.trainableParams() + String.format(" (%.0f%%)", 100.0 * f.trainableParams() / f.totalParams()));
    table.row("optimizer state", Figures.bytes(l.optimizerStateBytes()) + String.format(" (%.1f%% of full)",
        100.0 * l.optimizerStateBytes() / f.optimizerStateBytes()), Figures.bytes(f.optimizerStateBytes()));
    table.row("peak heap in training*", Figures.bytes(l.peakHeapBytes()), Figures.bytes(f.peakHeapBytes()));
    table.row("ms / step", Figures.fmt(l.msPerStep(), 1), Figures.fmt(f.msPerStep(), 1));
    table.row("tokens / s", Figures.fmt(l.tokensPerSecond(), 0), Figures.fmt(f.tokensPerSecond(), 0));
    table.row("val loss before (nats/token)", Figures.fmt(r.valLossBefore(), 3), Figures.fmt(r.valLossBefore(), 3));
    table.row("val loss after", Figures.fmt(r.lora().valLossAfter(), 3), Figures.fmt(r.full().valLossAfter(), 3));
    table.row("final train loss", Figures.fmt(l.finalTrainLoss(), 3), Figures.fmt(f.finalTrainLoss(), 3));
    System.out.printf("%nFine-tuning %s%non %s, %d steps of %d x %d tokens each, same base and batches:%n%n",
        r.modelDescription(), o.data(), o.steps(), o.batch(), o.context());
    table.print(System.out);
    System.out.println("* live heap at the fullest point of a training step (after the forward pass, activations held)");
    System.out.printf("%nLoRA targets: %s. LoRA closes %.0f%% of full fine-tuning's drop in validation loss with %.2f%%"
            + " of its trainable parameters.%n", r.loraTargets(),
        100 * (r.valLossBefore() - r.lora().valLossAfter()) / (r.valLossBefore() - r.full().valLossAfter()),
        100.0 * l.trainableParams() / f.trainableParams());
    System.out.printf("%nSamples (temperature 0.8, top-k 40, seed %d):%n", o.seed());
    for (int i = 0; i < o.prompts().size(); i++) {
      System.out.println("  before: " + oneLine(r.samplesBefore().get(i)));
      System.out.println("  LoRA:   " + oneLine(r.lora().samples().get(i)));
      System.out.println("  full:   " + oneLine(r.full().samples().get(i)));
      System.out.println();
    }
    System.out.printf("adapter (PEFT format): %s%nmerged model: %s (its logits equal the adapter's within %.1e)%n"
        + "loss curves: %s%ntotal time: %.0f s%n", r.adapterDir(), r.mergedModel(), r.mergedVsUnmerged(), r.plot(), seconds);
  }

  private static String oneLine(String s) {
    return s.replace("\n", " / ");
  }

  private static Map<String, Object> arm(FinetuneDemo.Arm a) {
    Map<String, Object> m = new LinkedHashMap<>(a.result().summary());
    m.put("val_loss_after", a.valLossAfter());
    m.put("samples", a.samples());
    return m;
  }
}
