package org.jlora.examples.gpt;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.jlora.engine.Tensor;
import org.jlora.examples.data.CharTokenizer;
import org.jlora.examples.data.ExactMatch;
import org.jlora.examples.data.Task;
import org.jlora.examples.data.Tasks;
import org.jlora.examples.ui.LossPlot;
import org.jlora.examples.ui.Progress;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;

/**
 * The main job end to end: pretrain a GPT on the "base" tasks (copy, reverse) or reuse a cached
 * base, then teach it the "adapt" task (shift each letter) twice from the same base, with LoRA on
 * c_attn's q and v and with full fine-tuning, and measure both side by side. The adapter is saved
 * in PEFT's format and the loss curves as a PNG.
 */
public final class Demo {
  /** The demo's budget and settings; {@link #defaults} is what {@code jlora demo} runs. */
  public record Options(String model, int pretrainSteps, int adaptSteps, int batch, int context, float pretrainLr,
                        float loraLr, float fullLr, int rank, float alpha, int evalExamples, long seed, Path workDir,
                        Progress.Mode mode) {
    public static Options defaults(Path workDir, Progress.Mode mode) {
      return new Options("tiny", 1200, 300, 16, 64, 5e-3f, 1e-2f, 1e-3f, 8, 16f, 200, 1L, workDir, mode);
    }
  }

  /** One adaptation method's measurements. */
  public record Arm(String name, TrainResult result, double accuracy, double baseTaskAccuracy,
                    List<ExactMatch.Sample> samples) {}

  /** Everything the demo measured. */
  public record Report(Options options, boolean baseReused, double accuracyBefore, double baseTaskAccuracyBefore,
                       Arm lora, Arm full, Path baseDir, Path adapterDir, Path plot) {}

  private Demo() {}

  public static Report run(Options o, PrintStream log) throws IOException {
    CharTokenizer tok = Tasks.tokenizer();
    Task base = Tasks.family("base");
    Task adapt = Tasks.family("adapt");
    Path baseDir = o.workDir().resolve("base-" + o.model() + "-" + o.pretrainSteps() + "steps-seed" + o.seed());
    boolean reused = Files.exists(baseDir.resolve(Checkpoint.MODEL));
    Gpt pretrained;
    if (reused) {
      log.println("demo: reusing the pretrained base in " + baseDir);
      pretrained = Checkpoint.load(baseDir).model();
    } else {
      log.println("demo: pretraining the " + o.model() + " base on copy/reverse (" + o.pretrainSteps() + " steps)");
      pretrained = new Gpt(GptConfig.named(o.model(), tok.vocabSize()), o.seed());
      TrainConfig tc = TrainConfig.defaults(o.pretrainSteps(), o.batch(), o.context(), o.pretrainLr(), o.seed())
          .withEval(0, 4);
      new Trainer(pretrained, tc, Completions.training(base, tok, true), Completions.heldOut(base, tok, true))
          .progress("pretrain", o.mode()).run();
      Checkpoint.save(baseDir, pretrained, tok, null);
    }
    Map<String, Tensor> baseWeights = pretrained.stateDict();
    double before = accuracy(pretrained, adapt, o).accuracy();
    double baseBefore = accuracy(pretrained, base, o).accuracy();

    Gpt loraModel = copyOf(pretrained, baseWeights);
    LoraModel lm = LoraModel.inject(loraModel, GptLora.queryValue(o.rank(), o.alpha(), 0f, o.seed()));
    Arm lora = adapt("lora", loraModel, o.loraLr(), 0f, o, adapt, base);
    Path adapterDir = o.workDir().resolve("adapter");
    PeftAdapters.save(lm, "default", adapterDir);

    Gpt fullModel = copyOf(pretrained, baseWeights);
    Arm full = adapt("full", fullModel, o.fullLr(), 0.1f, o, adapt, base);

    Path plot = o.workDir().resolve("loss.png");
    Map<String, double[][]> series = new LinkedHashMap<>();
    series.put("lora train", lora.result().trainCurve());
    series.put("lora val", lora.result().valCurve());
    series.put("full train", full.result().trainCurve());
    series.put("full val", full.result().valCurve());
    LossPlot.write(plot, "Adapting to '" + adapt.name() + "': LoRA (r=" + o.rank() + ", q,v) vs full fine-tuning", series);
    return new Report(o, reused, before, baseBefore, lora, full, baseDir, adapterDir, plot);
  }

  private static Arm adapt(String name, Gpt model, float lr, float weightDecay, Options o, Task adapt, Task base) {
    CharTokenizer tok = Tasks.tokenizer();
    TrainConfig tc = TrainConfig.defaults(o.adaptSteps(), o.batch(), o.context(), lr, o.seed() + 1)
        .withWeightDecay(weightDecay).withEval(Math.max(1, o.adaptSteps() / 10), 2);
    TrainResult r = new Trainer(model, tc, Completions.training(adapt, tok, true), Completions.heldOut(adapt, tok, true))
        .progress(name, o.mode()).run();
    ExactMatch.Result acc = accuracy(model, adapt, o);
    return new Arm(name, r, acc.accuracy(), accuracy(model, base, o).accuracy(), acc.samples());
  }

  static ExactMatch.Result accuracy(Gpt model, Task task, Options o) {
    Function<String, String> complete = Completions.greedy(model, Tasks.tokenizer(), Tasks.MAX_LETTERS + 1);
    return ExactMatch.evaluate(task, o.evalExamples(), o.seed(), complete, 4);
  }

  private static Gpt copyOf(Gpt source, Map<String, Tensor> weights) {
    Gpt g = new Gpt(source.config(), 0L);
    g.loadStateDict(weights, true);
    return g;
  }
}
