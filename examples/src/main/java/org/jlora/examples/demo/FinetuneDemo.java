package org.jlora.examples.demo;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.Rng;
import org.jlora.examples.checkpoint.Pretrained;
import org.jlora.examples.dataset.FineTuneData;
import org.jlora.examples.dataset.PlainTextReader;
import org.jlora.examples.generate.Generator;
import org.jlora.examples.generate.Sampling;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.ui.LossPlot;
import org.jlora.examples.ui.Progress;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;

/**
 * The main job on a real model: a pretrained Llama (by default Karpathy's stories260K, trained on
 * children's stories) adapted to a text unlike anything it has read (by default Ambrose Bierce's
 * <i>The Devil's Dictionary</i>), with LoRA and with full fine-tuning side by side, from the same
 * base and the same batches: validation loss before and after, samples before and after at a
 * fixed seed, trainable parameters and memory, the loss curves, the adapter in PEFT's format and
 * the merged model as a llama2.c checkpoint.
 */
public final class FinetuneDemo {
  /** Where the demo looks for its model and text when none is given: beside the project. */
  public static final Path DEFAULT_MODEL = Path.of("..", "shared", "models", "stories260K.bin");
  public static final Path DEFAULT_DATA = Path.of("..", "shared", "data", "devils-dictionary.txt");

  private FinetuneDemo() {}

  /** The demo's settings; {@link #defaults} then a few changes through {@link Builder}. */
  public record Options(Path model, Path tokenizer, Path data, int steps, int batch, int context, float loraLr,
                        float fullLr, int rank, float alpha, List<String> targets, long seed, Path workDir,
                        Progress.Mode mode, List<String> prompts, int sampleTokens) {
    public static Builder defaults() {
      return new Builder();
    }
  }

  /** Named settings, so no two numbers can be swapped by position. */
  public static final class Builder {
    private Path model = DEFAULT_MODEL;
    private Path tokenizer;
    private Path data = DEFAULT_DATA;
    private int steps = 300;
    private int batch = 8;
    private int context = 256;
    private float loraLr = 1e-2f;
    private float fullLr = 2e-3f;
    private int rank = 8;
    private float alpha = 16f;
    private List<String> targets = List.of(LoraModel.ALL_LINEAR);
    private long seed = 1;
    private Path workDir = Path.of(".jlora", "demo");
    private Progress.Mode mode = Progress.Mode.BAR;
    private List<String> prompts = List.of("LAWYER, n.", "HAPPINESS, n.");
    private int sampleTokens = 40;

    public Builder model(Path v) { model = v; return this; }
    public Builder tokenizer(Path v) { tokenizer = v; return this; }
    public Builder data(Path v) { data = v; return this; }
    public Builder steps(int v) { steps = v; return this; }
    public Builder batch(int v) { batch = v; return this; }
    public Builder context(int v) { context = v; return this; }
    public Builder loraLr(float v) { loraLr = v; return this; }
    public Builder fullLr(float v) { fullLr = v; return this; }
    public Builder rank(int v) { rank = v; alpha = 2f * v; return this; }
    public Builder targets(List<String> v) { targets = List.copyOf(v); return this; }
    public Builder seed(long v) { seed = v; return this; }
    public Builder workDir(Path v) { workDir = v; return this; }
    public Builder mode(Progress.Mode v) { mode = v; return this; }
    public Builder prompts(List<String> v) { prompts = List.copyOf(v); return this; }

    public Options build() {
      return new Options(model, tokenizer, data, steps, batch, context, loraLr, fullLr, rank, alpha, targets, seed, workDir,
          mode, prompts, sampleTokens);
    }
  }

  /** One method's run: its measurements, its validation loss after, its samples. */
  public record Arm(String name, TrainResult result, double valLossAfter, List<String> samples) {}

  /** What the demo measured and wrote. */
  public record Report(Options options, String modelDescription, double valLossBefore, List<String> samplesBefore,
                       Arm lora, Arm full, String loraTargets, Path adapterDir, Path mergedModel, Path plot,
                       double mergedVsUnmerged) {}

  /** Runs the demo, logging progress lines to {@code log}. */
  public static Report run(Options o, PrintStream log) throws IOException {
    requireInputs(o);
    Files.createDirectories(o.workDir());
    Pretrained base = Pretrained.load(o.model(), o.tokenizer());
    FineTuneData data = FineTuneData.load(o.data(), base.tokenizer(), null, FineTuneData.Options.builder()
        .layout(FineTuneData.Layout.PACKED).textSplit(PlainTextReader.Split.BLANK_LINES).validationFraction(0.1)
        .seed(o.seed()).padId(base.tokenizer().eosId().orElse(0)).build());
    int context = Math.min(o.context(), base.model().contextLength());
    data.requireOneBatch(o.batch(), context);
    log.println("demo: " + o.data() + ": train " + data.trainCounts(context) + "; validation "
        + data.validationCounts(context));
    String described = describe(base);
    log.println("demo: " + described);

    double before = trainer(base.model(), o, o.loraLr(), 0f, data).validationLoss();
    List<String> samplesBefore = samples(base, o);
    log.printf("demo: validation loss before fine-tuning: %.3f nats/token%n", before);

    // LoRA: only the adapter trains; the base weights stay as they were
    Pretrained forLora = Pretrained.load(o.model(), o.tokenizer());
    LoraConfig cfg = loraConfig(o);
    LoraModel lm = LoraModel.inject(forLora.model(), cfg);
    Arm lora = train("LoRA", forLora, o, o.loraLr(), 0f, data, log);
    Path adapterDir = o.workDir().resolve("adapter");
    PeftAdapters.save(lm, "default", adapterDir);
    String targets = String.join(",", lm.config("default").targetModules());

    // merged: W + s·BA in the weights, written as a model of its own; it must compute what the adapter did
    float[] unmerged = lastLogits(forLora.model(), base, o);
    lm.mergeAndUnload();
    double mergedVsUnmerged = maxRelDiff(unmerged, lastLogits(forLora.model(), base, o));
    Path merged = o.workDir().resolve(mergedName(o));
    forLora.save(forLora.model(), merged, forLora.formatFor(merged), true);   // the demo's own output, in its work dir

    // full fine-tuning: every weight of the base (untouched so far: LoRA ran on its own copy) trains,
    // on the same batches
    Arm full = train("full", base, o, o.fullLr(), 0.1f, data, log);

    Path plot = o.workDir().resolve("loss.png");
    writePlot(plot, lora, full, o);
    return new Report(o, described, before, samplesBefore, lora, full, targets, adapterDir, merged, plot, mergedVsUnmerged);
  }

  private static Arm train(String name, Pretrained p, Options o, float lr, float weightDecay, FineTuneData data,
                           PrintStream log) {
    log.println("demo: " + name + " fine-tuning, " + o.steps() + " steps of " + o.batch() + " x " + o.context() + " tokens");
    Trainer t = trainer(p.model(), o, lr, weightDecay, data).progress(name, o.mode());
    TrainResult r = t.run();
    return new Arm(name, r, r.finalValLoss(), samples(p, o));
  }

  /** The same schedule, batches and validation windows for every arm (and for the loss before). */
  private static Trainer trainer(LanguageModel m, Options o, float lr, float weightDecay, FineTuneData data) {
    TrainConfig tc = TrainConfig.builder().steps(o.steps()).batchSize(o.batch())
        .contextLength(Math.min(o.context(), m.contextLength())).lr(lr).weightDecay(weightDecay).seed(o.seed())
        .eval(Math.max(1, o.steps() / 10), 8).build();
    return new Trainer(m, tc, data.train(), data.validation());
  }

  private static LoraConfig loraConfig(Options o) {
    LoraConfig.Builder b = LoraConfig.builder().r(o.rank()).loraAlpha(o.alpha()).seed(o.seed());
    if (o.targets().equals(List.of(LoraModel.ALL_LINEAR))) b.targetRegex(LoraModel.ALL_LINEAR);
    else b.targetModules(o.targets());
    return b.build();
  }

  /** Continuations of each prompt, sampled at a fixed seed (temperature 0.8, top-k 40). */
  private static List<String> samples(Pretrained p, Options o) {
    List<String> out = new ArrayList<>();
    Generator g = new Generator(p.model());
    int eos = p.tokenizer().eosId().orElse(-1);
    for (String prompt : o.prompts()) {
      int[] ids = p.tokenizer().encode(prompt, true);
      int[] next = g.generate(ids, o.sampleTokens(), new Sampling(0.8f, 40), new Rng(o.seed()), eos).tokens(0);
      out.add(prompt + p.tokenizer().decode(next, true));
    }
    return out;
  }

  /** The logits of the last position of the first prompt: a fingerprint of what the model computes. */
  private static float[] lastLogits(LanguageModel m, Pretrained p, Options o) {
    int[] ids = p.tokenizer().encode(o.prompts().get(0), true);
    boolean wasTraining = m.isTraining();
    m.eval();
    try (org.jlora.autograd.NoGrad g = org.jlora.autograd.NoGrad.enter()) {
      return m.forward(ids, 1, ids.length).value().toArray();
    } finally {
      m.train(wasTraining);
    }
  }

  private static double maxRelDiff(float[] a, float[] b) {
    double max = 0, scale = 0;
    for (int i = 0; i < a.length; i++) {
      max = Math.max(max, Math.abs(a[i] - b[i]));
      scale = Math.max(scale, Math.abs(a[i]));
    }
    return max / Math.max(scale, 1e-30);
  }

  private static String mergedName(Options o) {
    String name = o.model().getFileName().toString();
    String stem = name.endsWith(".bin") ? name.substring(0, name.length() - 4) : name;
    return stem + "-merged" + (name.endsWith(".bin") ? ".bin" : "");
  }

  private static String describe(Pretrained p) {
    LanguageModel m = p.model();
    return String.format("%s (%s, %,d parameters, vocabulary %d, context %d)", p.source().getFileName(), m.architecture(),
        m.parameterCount(), m.vocabSize(), m.contextLength());
  }

  /** The model and the text must be there; if not, say exactly where to get them. */
  private static void requireInputs(Options o) throws NoSuchFileException {
    if (!Files.exists(o.model())) {
      throw new NoSuchFileException(o.model().toString(), null, "no model here. The demo's default is Karpathy's"
          + " stories260K (MIT): stories260K.bin and its tokenizer tok512.bin from the Hugging Face repository"
          + " karpathy/tinyllamas (folder stories260K); put both in one folder and pass --model PATH/stories260K.bin"
          + " (or any Llama/GPT-2 model: a Hugging Face directory or a llama2.c .bin)");
    }
    if (!Files.exists(o.data())) {
      throw new NoSuchFileException(o.data().toString(), null, "no text here. The demo's default is The Devil's"
          + " Dictionary (public domain): on Debian or Ubuntu `apt-get install dict-devil`, then"
          + " `zcat /usr/share/dictd/devil.dict.dz > devils-dictionary.txt` and pass --data devils-dictionary.txt"
          + " (or any UTF-8 text, documents separated by blank lines)");
    }
  }

  private static void writePlot(Path png, Arm lora, Arm full, Options o) throws IOException {
    LossPlot.writeLoraVsFull(png, "Fine-tuning " + o.model().getFileName() + " on " + o.data().getFileName()
        + ": LoRA (r=" + o.rank() + ") vs full", lora.result().trainCurve(), lora.result().valCurve(),
        full.result().trainCurve(), full.result().valCurve(), 10, false);
  }
}
