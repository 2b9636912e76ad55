package org.jlora.examples.gpt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import java.util.function.Consumer;
import org.jlora.autograd.F;
import org.jlora.autograd.NoGrad;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.nn.Embedding;
import org.jlora.autograd.nn.Module;
import org.jlora.autograd.optim.AdamW;
import org.jlora.autograd.optim.GradClip;
import org.jlora.autograd.optim.LrSchedule;
import org.jlora.autograd.optim.ParamGroup;
import org.jlora.autograd.capture.CapturedTraining;
import org.jlora.engine.Backends;
import org.jlora.engine.capture.StepCompiler;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.FiniteWeights;
import org.jlora.examples.data.Batch;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.train.Checkpointing;
import org.jlora.examples.train.LossWatch;
import org.jlora.examples.train.NonFiniteTrainingException;
import org.jlora.examples.train.StepReplay;
import org.jlora.examples.ui.Progress;
import org.jlora.examples.ui.Median;

/**
 * The training loop for any {@link LanguageModel}: AdamW with two parameter groups (weight decay
 * on matrices, none on biases, LayerNorms and embeddings), linear warm-up then cosine decay,
 * global grad-norm clipping, optional gradient accumulation, periodic validation loss, and timings.
 *
 * <p>Reproducible: the batch of step s (micro-batch m) is drawn from a generator seeded by
 * (seed, s, m) alone, so a run resumed from a checkpoint at step s sees the very batches the
 * uninterrupted run saw, and (with dropout 0) takes bit-identical steps.
 *
 * <p>Safe to leave running: a NaN or infinite loss or gradient stops the run before the update
 * ({@link NonFiniteTrainingException}), a loss that climbs far above its start gets a warning
 * ({@link LossWatch}), and with {@link #checkpointing} and {@link #stopOn} the run saves itself
 * periodically and, when asked to stop (Ctrl-C, SIGTERM), after the current step:
 *
 * <pre>{@code
 * try (GracefulStop stop = GracefulStop.install(60)) {
 *   trainer.checkpointing(dir, Checkpointing.DEFAULT_EVERY_STEPS, (d, t) -> TrainingCheckpoint.save(d, model, t))
 *       .stopOn(stop::requested).resumeCommand("jlora finetune ... --resume " + dir);
 *   TrainResult r = trainer.run();   // r.interrupted(): stopped early, saved, resume command printed
 * }
 * }</pre>
 */
public final class Trainer {
  /** Where batches come from: TaskBatches::next, or TextData's train/validation windows. */
  @FunctionalInterface
  public interface BatchSource {
    Batch next(Rng rng, int batchSize, int contextLength);
  }

  /** One line of progress: the step just done (1-based), its loss, its learning rate, its time; val loss or NaN. */
  public record StepReport(int step, double trainLoss, double valLoss, float lr, double ms) {}

  /** AdamW's betas (nanoGPT's) and epsilon, for the host optimizer and a device step alike. */
  private static final float BETA1 = 0.9f, BETA2 = 0.95f, ADAM_EPS = 1e-8f;

  private final LanguageModel model;
  private final TrainConfig cfg;
  private final BatchSource train;
  private final BatchSource validation;
  private final AdamW optimizer;
  /** The gradients' global norm and the clipping coefficient AdamW scales them by: written by kernels each step. */
  private final Tensor gradNorm = Tensor.zeros(1);
  private final Tensor gradScale = Tensor.zeros(1);
  private final LrSchedule schedule;
  private final Map<String, Parameter> trainable = new LinkedHashMap<>();   // by name, in the model's order
  private final List<double[]> trainCurve = new ArrayList<>();   // {step, loss}
  private final List<double[]> valCurve = new ArrayList<>();
  private final List<Double> stepMillis = new ArrayList<>();
  private int step;
  private double trainSeconds;   // wall time of the steps so far, earlier sessions included
  private boolean timingsReset;   // warm-up already excluded by the caller
  private StepReplay stepReplay = StepReplay.AUTO;
  private CapturedTraining replay;      // the step recorded once and run again, when chosen
  private boolean replayDecided;        // decided at the first step of a run
  private boolean replayAhead;          // the step's runner holds weights newer than the model's
  private List<Batch> replayBatches;    // the recorded step's micro-batches: their arrays are refilled every step
  private String label = "train";
  private Progress.Mode mode = Progress.Mode.QUIET;
  private Consumer<StepReport> listener = r -> {};
  private Consumer<String> messages = line -> System.err.println("jlora: " + line);
  /** Whether informational lines (how the step runs) go to {@link #messages}: unless a progress mode silenced them. */
  private boolean informative = true;
  private LossWatch lossWatch = new LossWatch();
  private Checkpointing checkpointing;      // null: no saves on the way
  private BooleanSupplier stopRequested = () -> false;
  private String resumeCommand;
  private boolean interrupted;

  /**
   * @param validation null for no validation loss
   */
  public Trainer(LanguageModel model, TrainConfig cfg, BatchSource train, BatchSource validation) {
    if (cfg.contextLength() > model.contextLength()) {
      throw new IllegalArgumentException("a context of " + cfg.contextLength() + " tokens exceeds the model's context "
          + "length " + model.contextLength() + "; pass a shorter --context");
    }
    this.model = model;
    this.cfg = cfg;
    this.train = train;
    this.validation = validation;
    List<Parameter> decay = new ArrayList<>();
    List<Parameter> noDecay = new ArrayList<>();
    Set<Parameter> embeddings = embeddingParameters(model);
    for (Map.Entry<String, Parameter> e : model.namedParameters().entrySet()) {
      Parameter p = e.getValue();
      if (!p.requiresGrad()) continue;
      trainable.put(e.getKey(), p);
      boolean embedding = embeddings.contains(p) || isEmbeddingName(e.getKey());
      (p.value().rank() >= 2 && !embedding ? decay : noDecay).add(p);
    }
    if (trainable.isEmpty()) throw new IllegalArgumentException("the model has no trainable parameter: nothing to train");
    this.optimizer = new AdamW(List.of(new ParamGroup(decay, cfg.lr(), cfg.weightDecay()),
        new ParamGroup(noDecay, cfg.lr(), 0f)), BETA1, BETA2, ADAM_EPS);
    this.optimizer.scaleGradientsBy(gradScale);
    this.schedule = LrSchedule.warmupCosine(cfg.warmup(), cfg.steps(), cfg.minLr());
  }

  /**
   * The parameters of every Embedding module and of whatever sits below one (a LoRA embedding's
   * A and B), for any architecture: an embedding is a lookup table, and decaying it pulls the rows
   * of rare tokens to zero, so no weight decay applies to it.
   */
  private static Set<Parameter> embeddingParameters(Module model) {
    Set<Parameter> out = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Module m : model.namedModules().values()) {
      if (m instanceof Embedding) out.addAll(m.parameters());
    }
    return out;
  }

  /**
   * The embeddings' names in the zoo's architectures ({@code transformer.wte}/{@code wpe} of GPT-2,
   * {@code model.embed_tokens} of Llama), for tables held outside an Embedding module.
   */
  static boolean isEmbeddingName(String name) {
    for (String part : name.split("\\.")) {
      if (part.equals("wte") || part.equals("wpe") || part.equals("embed_tokens") || part.equals("embed_positions")) {
        return true;
      }
    }
    return false;
  }

  /**
   * Shows a progress bar labelled {@code label} in {@code mode} while running; a quiet or JSON
   * mode also silences the informational lines (how the step runs), never the warnings.
   */
  public Trainer progress(String label, Progress.Mode mode) {
    this.label = label;
    this.mode = mode;
    this.informative = mode == Progress.Mode.BAR;
    return this;
  }

  /** Called after every step (and with the validation loss when one was taken): for JSON lines. */
  public Trainer onStep(Consumer<StepReport> listener) {
    this.listener = listener;
    return this;
  }

  /** Where warnings and the stop notice go (default: stderr, prefixed "jlora: "). */
  public Trainer onMessage(Consumer<String> messages) {
    this.messages = messages;
    return this;
  }

  /**
   * Saves through {@code save} into {@code dir} every {@code everySteps} steps (0: not by steps) or
   * every {@link Checkpointing#DEFAULT_EVERY_TIME}, whichever comes first, and when a stop is
   * requested. The finished run is not saved here: the caller saves its final result its own way.
   */
  public Trainer checkpointing(Path dir, int everySteps, Checkpointing.SaveFn save) {
    return checkpointing(new Checkpointing(dir, everySteps, Checkpointing.DEFAULT_EVERY_TIME, save));
  }

  /** As {@link #checkpointing(Path, int, Checkpointing.SaveFn)} with a time limit of your own ({@link Duration#ZERO}: none). */
  public Trainer checkpointing(Path dir, int everySteps, Duration everyTime, Checkpointing.SaveFn save) {
    return checkpointing(new Checkpointing(dir, everySteps, everyTime, save));
  }

  private Trainer checkpointing(Checkpointing c) {
    this.checkpointing = c;
    return this;
  }

  /**
   * Checked after every step: when it says true, the run saves (with {@link #checkpointing}),
   * prints where it stopped and how to resume, and returns a result marked interrupted. Pass a
   * {@code GracefulStop}'s {@code requested}.
   */
  public Trainer stopOn(BooleanSupplier stopRequested) {
    this.stopRequested = stopRequested;
    return this;
  }

  /** The exact command that resumes this run, printed when it stops early. */
  public Trainer resumeCommand(String command) {
    this.resumeCommand = command;
    return this;
  }

  public LanguageModel model() { return model; }

  public TrainConfig config() { return cfg; }

  /** AdamW; its {@code stateDict} (by parameter name) is what a checkpoint saves to resume. */
  public AdamW optimizer() { return optimizer; }

  /** The parameters that train, by name (what a training checkpoint saves). */
  public Map<String, Parameter> trainableParameters() { return Collections.unmodifiableMap(trainable); }

  /** Whether every configured step is done: resuming such a run has nothing left to do. */
  public boolean finished() { return step >= cfg.steps(); }

  /** Wall time of the training steps so far, in seconds, including the sessions before a resume. */
  public double trainSeconds() { return trainSeconds; }

  /**
   * Whether the training step is recorded once and run again ({@link StepReplay}); default
   * {@link StepReplay#AUTO}. Set before the first step.
   */
  public Trainer stepReplay(StepReplay mode) {
    if (replayDecided) throw new IllegalStateException("Trainer.stepReplay: set it before the first step");
    this.stepReplay = mode;
    return this;
  }

  /** Whether the steps run as a recorded step (see {@link #stepReplay}); known after the first step. */
  public boolean replaysSteps() { return replay != null; }

  /** Optimizer steps done so far. */
  public int stepsDone() { return step; }

  /** The live heap at the fullest point of the last step of each {@link #run} (see {@link LiveHeap}). */
  private long peakHeapBytes;

  /** Runs every remaining step. */
  public TrainResult run() {
    return run(cfg.steps());
  }

  /**
   * Runs until {@code untilStep} steps are done (at most the configured total), or until a stop
   * is requested ({@link #stopOn}): then it saves, says how to resume, and returns early with
   * {@link TrainResult#interrupted()} set.
   *
   * @throws NonFiniteTrainingException when a loss or gradient is NaN or infinite (nothing applied)
   */
  public TrainResult run(int untilStep) {
    int end = Math.min(untilStep, cfg.steps());
    interrupted = false;
    model.train();
    if (checkpointing != null) checkpointing.start(System.nanoTime());
    try (Progress progress = Progress.start(label, cfg.steps(), mode)) {
      progress.step(step, null);
      while (step < end) {
        long t0 = System.nanoTime();
        float lr = schedule.lr(step, cfg.lr());
        double loss = trainStep(step == end - 1, lr);
        double ms = (System.nanoTime() - t0) / 1e6;
        stepMillis.add(ms);
        trainSeconds += ms / 1e3;
        step++;
        trainCurve.add(new double[] {step, loss});
        double val = Double.NaN;
        if (validation != null && ((cfg.evalEvery() > 0 && step % cfg.evalEvery() == 0) || step == cfg.steps())) {
          val = validationLoss();
          valCurve.add(new double[] {step, val});
        }
        listener.accept(new StepReport(step, loss, val, lr, ms));
        progress.step(step, String.format("loss %.3f | %.1fk tok/s", loss, cfg.tokensPerStep() / ms));
        String warning = lossWatch.observe(step, loss, lr);
        if (warning != null) {
          if (mode == Progress.Mode.BAR) System.err.println();   // below the bar, not on it
          messages.accept(warning);
        }
        boolean stopping = step < end && stopRequested.getAsBoolean();
        if (checkpointing != null && (stopping || checkpointing.due(step, cfg.steps(), System.nanoTime()))) {
          saveCheckpoint();
        }
        if (stopping) {
          interrupted = true;
          break;
        }
      }
    }
    syncToHost();
    if (interrupted) announceStop();
    return result();
  }

  /** A periodic or stopping save (of host weights and moments: a device's are brought back first). */
  private void saveCheckpoint() {
    syncToHost();
    checkpointing.save(this);
  }

  /** Where the run stopped, where it is saved, and the command that resumes it. */
  private void announceStop() {
    if (checkpointing != null && checkpointing.savedStep() == step) {
      messages.accept("stopped after step " + step + " of " + cfg.steps() + "; saved a checkpoint in "
          + checkpointing.dir());
      if (resumeCommand != null) messages.accept("resume with: " + resumeCommand);
    } else {
      messages.accept("stopped after step " + step + " of " + cfg.steps() + "; nothing was saved"
          + (checkpointing == null ? " (no checkpoint directory was set)" : ""));
    }
  }

  /**
   * One optimizer step over {@code gradAccum} micro-batches; returns their mean loss. With
   * {@code probeHeap}, measures the live heap at the fullest point of the step: after the last
   * forward pass, with its whole graph (every saved activation) held, before backward frees it.
   */
  private double trainStep(boolean probeHeap, float lr) {
    if (replay != null) {
      Double loss = replayedStep(lr);
      // a replayed step holds its buffers from one step to the next: its fullest point is any point
      if (probeHeap && loss != null) peakHeapBytes = Math.max(peakHeapBytes, LiveHeap.bytes());
      if (loss != null) return loss;
    } else if (!replayDecided) {
      replayDecided = true;
      Double loss = recordStep(lr);
      if (loss != null) return loss;
    }
    schedule.apply(optimizer, step);
    optimizer.zeroGrad();
    double total = 0;
    for (int m = 0; m < cfg.gradAccum(); m++) {
      Batch b = train.next(batchRng(cfg.seed(), step, m), cfg.batchSize(), cfg.contextLength());
      Variable loss = model.loss(b.inputs(), b.targets(), b.batchSize(), b.blockSize());
      double value = loss.value().item();
      if (!Double.isFinite(value)) throw NonFiniteTrainingException.loss(step + 1, cfg.steps(), lr, value, false);
      total += value;
      if (probeHeap && m == cfg.gradAccum() - 1) peakHeapBytes = Math.max(peakHeapBytes, LiveHeap.bytes());
      (cfg.gradAccum() == 1 ? loss : F.scale(loss, 1f / cfg.gradAccum())).backward();
    }
    // the norm and the coefficient stay in tensors; AdamW multiplies each gradient by the coefficient
    // (1 when not clipping) as it reads it
    GradClip.clipCoefficient(trainable.values(), maxNorm(), gradNorm, gradScale);
    // the step's one read on the host: non-finite gradients must not reach the weights
    if (!Float.isFinite(gradNorm.item())) throw nonFiniteGradient(lr);
    optimizer.step();
    return total / cfg.gradAccum();
  }

  private float maxNorm() {
    return cfg.gradClip() > 0 ? cfg.gradClip() : Float.POSITIVE_INFINITY;
  }

  /**
   * The first step of a run: recorded while it runs, when replay is chosen ({@link #stepReplay});
   * returns its loss, or null when the step is to be taken the ordinary way (replay not chosen, or
   * the recording refused having changed nothing). Recording the very first step means the graph
   * is built once per run, not twice: the optimizer's (zero) state is created first, as the first
   * update would create it.
   */
  private Double recordStep(float lr) {
    boolean device = StepCompiler.registeredFor(Backends.current()) != null;
    if (stepReplay == StepReplay.OFF) return null;
    optimizer.createState();
    schedule.apply(optimizer, step);
    // every micro-batch of the step (one unless gradients are accumulated), each with its own arrays
    List<Batch> batches = new ArrayList<>();
    List<int[]> arrays = new ArrayList<>();
    List<Supplier<Variable>> losses = new ArrayList<>();
    for (int m = 0; m < cfg.gradAccum(); m++) {
      Batch b = train.next(batchRng(cfg.seed(), step, m), cfg.batchSize(), cfg.contextLength());
      batches.add(b);
      arrays.addAll(List.of(b.inputs(), b.targets()));
      losses.add(() -> model.loss(b.inputs(), b.targets(), b.batchSize(), b.blockSize()));
    }
    try {
      replay = CapturedTraining.capture(optimizer, trainable.values(), maxNorm(), arrays, losses);
      replayBatches = batches;   // their arrays are the ones the recording reads: later batches are copied into them
      replayAhead = true;
      inform(Backends.current().name() + " backend: " + replay.describe()
          + (cfg.gradAccum() > 1 ? " (" + cfg.gradAccum() + " micro-batches a step)" : ""));
      return checkedLoss(replay.meanLoss(), replay.gradNorm(), lr);
    } catch (CapturedTraining.StepNotCompiled e) {
      // the step was taken while it was recorded; the next ones go kernel by kernel
      if (stepReplay == StepReplay.ON) throw new IllegalStateException("--step-replay on: " + e.getMessage(), e);
      inform("training kernel by kernel (each kernel's operands copied to the device and back), not as a "
          + "recorded step: " + e.getMessage());
      return checkedLoss(e.loss(), e.gradNorm(), lr);
    } catch (CapturedTraining.StepNotRecorded e) {
      // refused while recording, with nothing changed
      if (stepReplay == StepReplay.ON) {
        throw new IllegalStateException("--step-replay on: the step cannot be replayed: " + e.getMessage(), e);
      }
      inform((device ? "training kernel by kernel" : "building the autograd graph every step")
          + ", not replaying a recorded step: " + e.getMessage());
      return null;
    }
  }

  /** An informational line: to {@link #messages} unless {@code --quiet} or {@code --json} silenced it. */
  private void inform(String line) {
    if (informative) messages.accept(line);
  }

  /**
   * A step run from the recording on this step's batch; null when the batch's shape differs from
   * the recorded one (padded data), which then takes the ordinary way.
   */
  private Double replayedStep(float lr) {
    schedule.apply(optimizer, step);
    List<Batch> batches = new ArrayList<>();
    for (int m = 0; m < replayBatches.size(); m++) {
      Batch b = train.next(batchRng(cfg.seed(), step, m), cfg.batchSize(), cfg.contextLength());
      Batch recorded = replayBatches.get(m);
      if (b.batchSize() != recorded.batchSize() || b.blockSize() != recorded.blockSize()) return null;
      batches.add(b);
    }
    for (int m = 0; m < batches.size(); m++) {
      Batch b = batches.get(m);
      System.arraycopy(b.inputs(), 0, replayBatches.get(m).inputs(), 0, b.inputs().length);
      System.arraycopy(b.targets(), 0, replayBatches.get(m).targets(), 0, b.targets().length);
    }
    replayAhead = true;
    replay.run();
    return checkedLoss(replay.meanLoss(), replay.gradNorm(), lr);
  }

  /**
   * The loss of a step that updated in the same pass. A non-finite loss or gradient norm means the
   * update was skipped (AdamW's guard: the recorded step poisons the coefficient with 0·loss), and
   * stops the run, the loss named first as the graph path names it.
   */
  private double checkedLoss(double loss, float norm, float lr) {
    if (!Double.isFinite(loss)) {
      syncToHost();
      throw NonFiniteTrainingException.loss(step + 1, cfg.steps(), lr, loss, false);
    }
    if (!Float.isFinite(norm)) {
      syncToHost();
      throw nonFiniteGradient(lr);
    }
    return loss;
  }

  /** Names the first parameter whose gradient is not finite (called once the norm said one is). */
  private NonFiniteTrainingException nonFiniteGradient(float lr) {
    for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
      Tensor g = e.getValue().grad();
      int i = g == null ? -1 : g.firstNonFinite();
      if (i >= 0) return NonFiniteTrainingException.gradient(step + 1, cfg.steps(), lr, e.getKey(), g.get(i), i);
    }
    // every gradient is finite, but the sum of their squares overflowed the float it is kept in
    throw new IllegalStateException("step " + (step + 1) + ": the gradients are finite but their global norm exceeds "
        + "1.8e19 (learning rate " + lr + "); training diverged: lower the learning rate");
  }

  /**
   * Brings weights and optimizer moments that a device step holds back into the model and the
   * optimizer (before validation, a checkpoint, and at the end of a run); a no-op otherwise.
   */
  public void syncToHost() {
    if (replay != null && replayAhead) {
      replay.syncToHost();
      replayAhead = false;
    }
  }

  /** The generator for micro-batch m of step s: a function of (seed, s, m) only. */
  static Rng batchRng(long seed, int step, int micro) {
    return new Rng(seed * 0x9E3779B97F4A7C15L + step * 0x632BE59BD9B4E019L + micro * 0x85EBCA77C2B2AE63L);
  }

  /** Forgets the step times so far: a benchmark calls it after its warm-up steps. */
  public void resetTimings() {
    stepMillis.clear();
    timingsReset = true;
  }

  /** Mean loss over {@code evalBatches} validation batches, always the same ones for a seed; eval mode, no graph. */
  public double validationLoss() {
    if (validation == null) return Double.NaN;
    syncToHost();
    boolean wasTraining = model.isTraining();
    model.eval();
    try (NoGrad g = NoGrad.enter()) {
      Rng rng = new Rng(cfg.seed() ^ 0x5EEDF00DL);
      double sum = 0;
      for (int i = 0; i < cfg.evalBatches(); i++) {
        Batch b = validation.next(rng, cfg.batchSize(), cfg.contextLength());
        sum += model.loss(b.inputs(), b.targets(), b.batchSize(), b.blockSize()).value().item();
      }
      return sum / cfg.evalBatches();
    } finally {
      if (wasTraining) model.train();
    }
  }

  /** The measurements of every step run so far (in this process; timings restart on resume). */
  public TrainResult result() {
    double ms = medianAfterWarmup();
    long total = model.parameterCount();
    long trainableCount = 0;
    for (Parameter p : trainable.values()) trainableCount += p.value().size();
    return new TrainResult(curve(trainCurve), curve(valCurve), ms, cfg.tokensPerStep() / (ms / 1e3), peakHeapBytes,
        optimizer.stateBytes(), trainableCount, total,
        interrupted);
  }

  /** Loss curves so far ("train", "val": {steps[], losses[]}), to save beside a checkpoint. */
  public Map<String, double[][]> curves() {
    Map<String, double[][]> m = new LinkedHashMap<>();
    m.put("train", curve(trainCurve));
    m.put("val", curve(valCurve));
    return m;
  }

  /**
   * Restores a checkpoint's position before the first step: steps done, optimizer moments (by
   * name), the curves and the training time so far. The loss watch replays the curve, so its
   * reference is that of the uninterrupted run.
   */
  public void restore(int stepsDone, Map<String, Tensor> optimizerState, double[][] train, double[][] val,
                      double seconds, String source) {
    if (stepsDone < 0 || stepsDone > cfg.steps()) {
      throw new IllegalArgumentException(source + ": step " + stepsDone + " is outside this run's 0.." + cfg.steps());
    }
    if (replayDecided) throw new IllegalStateException("Trainer.restore: restore before the first step");
    optimizer.loadStateDict(model.namedParameters(), optimizerState, source);
    step = stepsDone;
    trainSeconds = seconds;
    trainCurve.clear();
    valCurve.clear();
    lossWatch = new LossWatch();
    for (int i = 0; i < train[0].length; i++) {
      trainCurve.add(new double[] {train[0][i], train[1][i]});
      lossWatch.observe((int) train[0][i], train[1][i], 0f);
    }
    for (int i = 0; i < val[0].length; i++) valCurve.add(new double[] {val[0][i], val[1][i]});
  }

  private static double[][] curve(List<double[]> points) {
    double[][] c = new double[2][points.size()];
    for (int i = 0; i < points.size(); i++) {
      c[0][i] = points.get(i)[0];
      c[1][i] = points.get(i)[1];
    }
    return c;
  }

  /** Median step time, skipping the first steps (JIT warm-up) when there are enough. */
  private double medianAfterWarmup() {
    int skip = !timingsReset && stepMillis.size() >= 10 ? Math.min(5, stepMillis.size() / 5) : 0;   // JIT warm-up
    return Median.of(stepMillis.subList(skip, stepMillis.size()).stream().mapToDouble(Double::doubleValue).toArray());
  }
}
