package org.jlora.examples.gpt;

import java.io.IOException;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.lang.ref.Reference;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import javax.management.JMException;
import javax.management.ObjectName;
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
  /** The task the base is pretrained on: copy and reverse a word, mixed. */
  public static final String BASE_TASK = "base";
  /** The task both methods adapt it to: rotate a word left by one (abcd -> bcda). */
  public static final String ADAPT_TASK = "rol";

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
      return builder().workDir(workDir).mode(mode).build();
    }

    /** The defaults, to change by name (no two numbers can be swapped by position). */
    public static Builder builder() {
      return new Builder();
    }

    /** A builder starting from these settings. */
    public Builder toBuilder() {
      return new Builder().model(model).pretrainSteps(pretrainSteps).adaptSteps(adaptSteps).batch(batch).context(context)
          .pretrainLr(pretrainLr).loraLr(loraLr).fullLr(fullLr).rank(rank).alpha(alpha).evalExamples(evalExamples)
          .seed(seed).workDir(workDir).mode(mode);
    }
  }

  /** Named settings of the toy demo; unset ones keep the defaults. */
  public static final class Builder {
    private GptConfig model = demoModel(Tasks.tokenizer().vocabSize());
    private int pretrainSteps = 1200;
    private int adaptSteps = 600;
    private int batch = 32;
    private int context = Tasks.MAX_LINE_LENGTH;
    private float pretrainLr = 3e-3f;
    private float loraLr = 1e-2f;
    private float fullLr = 1e-3f;
    private int rank = 8;
    private float alpha = 16f;
    private int evalExamples = 200;
    private long seed = 1L;
    private Path workDir = Path.of(".jlora", "toy-demo");
    private Progress.Mode mode = Progress.Mode.BAR;

    public Builder model(GptConfig v) { model = v; return this; }
    public Builder pretrainSteps(int v) { pretrainSteps = v; return this; }
    public Builder adaptSteps(int v) { adaptSteps = v; return this; }
    public Builder batch(int v) { batch = v; return this; }
    public Builder context(int v) { context = v; return this; }
    public Builder pretrainLr(float v) { pretrainLr = v; return this; }
    public Builder loraLr(float v) { loraLr = v; return this; }
    public Builder fullLr(float v) { fullLr = v; return this; }
    public Builder rank(int v) { rank = v; return this; }
    public Builder alpha(float v) { alpha = v; return this; }
    public Builder evalExamples(int v) { evalExamples = v; return this; }
    public Builder seed(long v) { seed = v; return this; }
    public Builder workDir(Path v) { workDir = v; return this; }
    public Builder mode(Progress.Mode v) { mode = v; return this; }

    public Options build() {
      return new Options(model, pretrainSteps, adaptSteps, batch, context, pretrainLr, loraLr, fullLr, rank, alpha,
          evalExamples, seed, workDir, mode);
    }
  }

  /**
   * One adaptation method's measurements.
   *
   * @param liveHeapBytes the live heap at the end of training ({@link LiveHeap#bytes}), while the
   *     model, its gradients and the optimizer state are still held: what this method keeps in memory,
   *     plus what both methods share (the base weights, the kernels' scratch buffers)
   * @param baseTaskAccuracyAdapterOff the base tasks' accuracy with the adapter disabled (LoRA only, else NaN)
   */
  public record Arm(String name, TrainResult result, long liveHeapBytes, double accuracy, double baseTaskAccuracy,
                    double baseTaskAccuracyAdapterOff, List<ExactMatch.Sample> samples) {
    Arm withBaseTaskAccuracyAdapterOff(double accuracy) {
      return new Arm(name, result, liveHeapBytes, this.accuracy, baseTaskAccuracy, accuracy, samples);
    }
  }

  /** Everything the demo measured. */
  public record Report(Options options, boolean baseReused, double accuracyBefore, double baseTaskAccuracyBefore,
                       Arm lora, Arm full, Path baseDir, Path adapterDir, Path plot) {}

  private Demo() {}

  public static Report run(Options o, PrintStream log) throws IOException {
    CharTokenizer tok = Tasks.tokenizer();
    Task base = Tasks.family(BASE_TASK);
    Task adapt = Tasks.family(ADAPT_TASK);
    Path baseDir = o.workDir().resolve(baseName(o));
    boolean reused = Files.exists(baseDir.resolve(Checkpoint.MODEL));
    Gpt pretrained;
    if (reused) {
      log.println("demo: reusing the pretrained base in " + baseDir);
      pretrained = Checkpoint.load(baseDir).model();
    } else {
      log.println("demo: pretraining the base on copy/reverse (" + o.model() + ", " + o.pretrainSteps() + " steps)");
      pretrained = new Gpt(o.model(), o.seed());
      TrainConfig tc = TrainConfig.builder().steps(o.pretrainSteps()).batchSize(o.batch()).contextLength(o.context())
          .lr(o.pretrainLr()).seed(o.seed()).eval(0, 4).build();
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
    Arm full = adapt("full", copyOf(pretrained, baseWeights), o.fullLr(), 0.1f, o, adapt, base);

    Path plot = o.workDir().resolve("loss.png");
    writePlot(plot, lora, full, o);
    return new Report(o, reused, before, baseBefore, lora, full, baseDir, adapterDir, plot);
  }

  /** The four loss curves, one colour a method: training (mean of 20 steps) solid, validation dashed. */
  private static void writePlot(Path png, Arm lora, Arm full, Options o) throws IOException {
    LossPlot.writeLoraVsFull(png, "Adapting to '" + ADAPT_TASK + "' (rotate left): LoRA (r=" + o.rank() + ", q,v) vs full"
        + " fine-tuning", lora.result().trainCurve(), lora.result().valCurve(), full.result().trainCurve(),
        full.result().valCurve(), 20, true);
  }

  /** The cache directory of a base: a readable summary and a hash of everything pretraining depends on. */
  static String baseName(Options o) {
    GptConfig c = o.model();
    String key = c + "|" + o.pretrainSteps() + "|" + o.batch() + "|" + o.context() + "|" + o.pretrainLr() + "|"
        + o.seed() + "|" + BASE_TASK + "|" + TaskBatches.Layout.ONE_PER_ROW;
    return String.format("base-%dx%d-%dsteps-seed%d-%08x", c.nLayer(), c.nEmbd(), o.pretrainSteps(), o.seed(),
        key.hashCode());
  }

  private static Arm adaptWithLora(Gpt pretrained, Map<String, Tensor> baseWeights, Options o, Task adapt, Task base,
                                   Path adapterDir) throws IOException {
    Gpt model = copyOf(pretrained, baseWeights);
    LoraModel lm = LoraModel.inject(model, GptLora.queryValue(o.rank(), o.alpha(), 0f, o.seed()));
    Arm arm = adapt("lora", model, o.loraLr(), 0f, o, adapt, base);
    PeftAdapters.save(lm, "default", adapterDir);
    // The base weights were never touched: with the adapter off the model is the pretrained one again.
    try (AutoCloseable off = lm.disableAdapters()) {
      return arm.withBaseTaskAccuracyAdapterOff(accuracy(model, base, o).accuracy());
    } catch (Exception e) {
      throw new IllegalStateException("Demo: re-enabling the adapter failed", e);
    }
  }

  private static Arm adapt(String name, Gpt model, float lr, float weightDecay, Options o, Task adapt, Task base) {
    TrainConfig tc = TrainConfig.builder().steps(o.adaptSteps()).batchSize(o.batch()).contextLength(o.context()).lr(lr)
        .seed(o.seed() + 1).weightDecay(weightDecay).eval(Math.max(1, o.adaptSteps() / 20), 2).build();
    Trainer trainer = new Trainer(model, tc, training(adapt), validation(adapt)).progress(name, o.mode());
    TrainResult r = trainer.run();
    long live = LiveHeap.bytes();
    Reference.reachabilityFence(trainer);   // its optimizer state is part of what was measured
    ExactMatch.Result acc = accuracy(model, adapt, o);
    return new Arm(name, r, live, acc.accuracy(), accuracy(model, base, o).accuracy(), Double.NaN, acc.samples());
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

  private static Gpt copyOf(Gpt source, Map<String, Tensor> weights) {
    Gpt g = new Gpt(source.config(), 0L);
    g.loadStateDict(weights, true);
    return g;
  }
}
