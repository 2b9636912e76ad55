package org.jlora.examples.gpt;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
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
import org.jlora.examples.data.TaskBatches;
import org.jlora.examples.data.Tasks;
import org.jlora.examples.ui.LossPlot;
import org.jlora.examples.ui.Progress;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;

/**
 * The main job end to end: pretrain a GPT on the "base" tasks (copy and reverse a word) or reuse
 * a cached base, then teach it the "adapt" task (rotate the word left by one: abcd -> bcda) twice
 * from the same base, with LoRA on c_attn's q and v and with full fine-tuning, and measure both
 * side by side. The adapter is saved in PEFT's format and the loss curves as a PNG.
 *
 * <p>The task pair follows the paper's setting: the base already has the skill (moving letters
 * by position through attention), and the new task needs that skill routed differently, which a
 * low-rank change to the queries and values can express. Every training row holds one example
 * at position 0, where the prompt sits at inference.
 */
public final class Demo {
  /**
   * The demo's model: 4 layers, 4 heads like {@code tiny}, but 64 dims and a 32-token block, since
   * the longest task line is {@value Tasks#MAX_LINE_LENGTH} characters. About 4x fewer
   * multiply-adds a token than tiny, so the whole demo fits a few minutes on two cores.
   */
  public static GptConfig demoModel(int vocabSize) {
    return new GptConfig(vocabSize, 32, 4, 4, 64, 0f);
  }

  /** The demo's budget and settings; {@link #defaults} is what {@code jlora demo} runs. */
  public record Options(GptConfig model, int pretrainSteps, int adaptSteps, int batch, int context, float pretrainLr,
                        float loraLr, float fullLr, int rank, float alpha, int evalExamples, long seed, Path workDir,
                        Progress.Mode mode) {
    public static Options defaults(Path workDir, Progress.Mode mode) {
      return new Options(demoModel(Tasks.tokenizer().vocabSize()), 1200, 300, 32, Tasks.MAX_LINE_LENGTH, 3e-3f, 1e-2f,
          1e-3f, 8, 16f, 200, 1L, workDir, mode);
    }
  }

  /**
   * One adaptation method's measurements.
   *
   * @param heldHeapBytes live heap (after a full GC) at the end of training, model copy, gradients and
   *     optimizer state still held, minus the live heap before the model was copied
   */
  public record Arm(String name, TrainResult result, long heldHeapBytes, double accuracy, double baseTaskAccuracy,
                    List<ExactMatch.Sample> samples) {}

  /** Everything the demo measured. */
  public record Report(Options options, boolean baseReused, double accuracyBefore, double baseTaskAccuracyBefore,
                       Arm lora, Arm full, Path baseDir, Path adapterDir, Path plot) {}

  private Demo() {}

  public static Report run(Options o, PrintStream log) throws IOException {
    CharTokenizer tok = Tasks.tokenizer();
    Task base = Tasks.family("base");
    Task adapt = Tasks.family("adapt");
    Path baseDir = o.workDir().resolve(baseName(o));
    boolean reused = Files.exists(baseDir.resolve(Checkpoint.MODEL));
    Gpt pretrained;
    if (reused) {
      log.println("demo: reusing the pretrained base in " + baseDir);
      pretrained = Checkpoint.load(baseDir).model();
    } else {
      log.println("demo: pretraining the base on copy/reverse (" + o.model() + ", " + o.pretrainSteps() + " steps)");
      pretrained = new Gpt(o.model(), o.seed());
      TrainConfig tc = TrainConfig.defaults(o.pretrainSteps(), o.batch(), o.context(), o.pretrainLr(), o.seed())
          .withEval(0, 4);
      new Trainer(pretrained, tc, training(base), validation(base)).progress("pretrain", o.mode()).run();
      Checkpoint.save(baseDir, pretrained, tok, null);
    }
    Map<String, Tensor> baseWeights = pretrained.stateDict();
    double before = accuracy(pretrained, adapt, o).accuracy();
    double baseBefore = accuracy(pretrained, base, o).accuracy();
    log.printf("demo: the base gets %.1f%% of copy/reverse and %.1f%% of '%s' right%n", 100 * baseBefore, 100 * before,
        adapt.name());

    Path adapterDir = o.workDir().resolve("adapter");
    Arm lora = adaptWithLora(pretrained, baseWeights, o, adapt, base, adapterDir);
    Arm full = adapt("full", () -> copyOf(pretrained, baseWeights), o.fullLr(), 0.1f, o, adapt, base);

    Path plot = o.workDir().resolve("loss.png");
    Map<String, double[][]> series = new LinkedHashMap<>();
    series.put("LoRA train", lora.result().trainCurve());
    series.put("LoRA val", lora.result().valCurve());
    series.put("full train", full.result().trainCurve());
    series.put("full val", full.result().valCurve());
    LossPlot.write(plot, "Adapting to '" + adapt.name() + "' (rotate left): LoRA (r=" + o.rank() + ", q,v) vs full"
        + " fine-tuning", series, true);
    return new Report(o, reused, before, baseBefore, lora, full, baseDir, adapterDir, plot);
  }

  /** The cache directory of a base: a readable summary and a hash of everything pretraining depends on. */
  static String baseName(Options o) {
    GptConfig c = o.model();
    String key = c + "|" + o.pretrainSteps() + "|" + o.batch() + "|" + o.context() + "|" + o.pretrainLr() + "|"
        + o.seed() + "|" + Tasks.family("base").name() + "|" + TaskBatches.Layout.ONE_PER_ROW;
    return String.format("base-%dx%d-%dsteps-seed%d-%08x", c.nLayer(), c.nEmbd(), o.pretrainSteps(), o.seed(),
        key.hashCode());
  }

  private static Arm adaptWithLora(Gpt pretrained, Map<String, Tensor> baseWeights, Options o, Task adapt, Task base,
                                   Path adapterDir) throws IOException {
    LoraModel[] injected = new LoraModel[1];
    Arm arm = adapt("lora", () -> {
      Gpt g = copyOf(pretrained, baseWeights);
      injected[0] = LoraModel.inject(g, GptLora.queryValue(o.rank(), o.alpha(), 0f, o.seed()));
      return g;
    }, o.loraLr(), 0f, o, adapt, base);
    PeftAdapters.save(injected[0], "default", adapterDir);
    return arm;
  }

  private static Arm adapt(String name, java.util.function.Supplier<Gpt> makeModel, float lr, float weightDecay,
                           Options o, Task adapt, Task base) {
    long heapBefore = liveHeapBytes();
    Gpt model = makeModel.get();
    TrainConfig tc = TrainConfig.defaults(o.adaptSteps(), o.batch(), o.context(), lr, o.seed() + 1)
        .withWeightDecay(weightDecay).withEval(Math.max(1, o.adaptSteps() / 20), 2);
    Trainer trainer = new Trainer(model, tc, training(adapt), validation(adapt)).progress(name, o.mode());
    TrainResult r = trainer.run();
    long held = liveHeapBytes() - heapBefore;
    Reference.reachabilityFence(trainer);   // its optimizer state is part of what was measured
    ExactMatch.Result acc = accuracy(model, adapt, o);
    return new Arm(name, r, held, acc.accuracy(), accuracy(model, base, o).accuracy(), acc.samples());
  }

  private static Trainer.BatchSource training(Task task) {
    return Completions.training(task, Tasks.tokenizer(), true, TaskBatches.Layout.ONE_PER_ROW);
  }

  private static Trainer.BatchSource validation(Task task) {
    return Completions.heldOut(task, Tasks.tokenizer(), true, TaskBatches.Layout.ONE_PER_ROW);
  }

  static ExactMatch.Result accuracy(Gpt model, Task task, Options o) {
    Function<String, String> complete = Completions.greedy(model, Tasks.tokenizer(), Tasks.MAX_LETTERS + 1);
    return ExactMatch.evaluate(task, o.evalExamples(), o.seed(), complete, 4);
  }

  /** Heap in use after a full collection: what is reachable now, not garbage awaiting collection. */
  static long liveHeapBytes() {
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static Gpt copyOf(Gpt source, Map<String, Tensor> weights) {
    Gpt g = new Gpt(source.config(), 0L);
    g.loadStateDict(weights, true);
    return g;
  }
}
