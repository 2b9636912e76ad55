package org.jlora.autograd.capture;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.function.Supplier;
import org.jlora.autograd.F;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.optim.GradClip;
import org.jlora.autograd.optim.Optimizer;
import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.CapturedProgram;
import org.jlora.engine.capture.CompiledStep;
import org.jlora.engine.capture.StepCapture;
import org.jlora.engine.capture.StepCompiler;

/**
 * A training step recorded once from the autograd graph and run again as its kernel calls:
 * forward, loss, backward of the trainable parameters, gradient-norm clipping and the optimizer's
 * update, for fixed shapes. Nothing in it is written for a particular model: whatever the model's
 * ops call is what runs, on the host ({@link org.jlora.engine.capture.ReplayStep}: the first
 * step's buffers reused by every later one, no graph built) or compiled for a device by the
 * backend's {@link StepCompiler}.
 *
 * <pre>{@code
 * // ids and targets: the arrays the loss reads; refill them before every step
 * CapturedTraining step = CapturedTraining.capture(optimizer, params, 1f, List.of(ids, targets),
 *     () -> model.loss(ids, targets, b, t));
 * for (...) { fill(ids, targets); float loss = step.run(); }
 * }</pre>
 *
 * <p>The step that is recorded runs for real (it is a training step like any other). The
 * optimizer must already hold state for every trainable parameter ({@link Optimizer#createState},
 * or one ordinary step first): state created inside the recording would start again every run.
 * Dropout masks, drawn on the host, are per-step inputs drawn again before every run from the
 * same generators, so a replayed run sees the masks a run building its graph would. An op a
 * replay could not repeat is refused while recording; a refused recording has changed no weight
 * and no optimizer state, so the caller can take the step the ordinary way instead.
 */
public final class CapturedTraining implements AutoCloseable {
  private final Optimizer optimizer;
  private final CompiledStep compiled;
  /** Each micro-batch's loss (one unless gradients are accumulated), read after every run. */
  private final List<Tensor> losses;
  private final Tensor gradNorm;
  private final int calls;

  /** The host's work before every run (dropout masks drawn anew, generators moved), in the order the step did it. */
  private final List<Runnable> hostWork;

  private CapturedTraining(Optimizer optimizer, CompiledStep compiled, List<Tensor> losses, Tensor gradNorm, int calls,
                           List<Runnable> hostWork) {
    this.optimizer = optimizer;
    this.hostWork = hostWork;
    this.compiled = compiled;
    this.losses = List.copyOf(losses);
    this.gradNorm = gradNorm;
    this.calls = calls;
  }

  /**
   * Runs one step while recording it and compiles it for the current backend.
   *
   * @param optimizer the optimizer (with state for every trainable parameter already)
   * @param trainable the parameters it trains
   * @param maxNorm   clip the global gradient norm to this; {@code Float.POSITIVE_INFINITY} for no clipping
   * @param intInputs the arrays the step reads that change every step (token ids, targets): the
   *                  loss must hand these very arrays to the kernels
   * @param lossFn    builds the step's scalar loss from the model
   */
  public static CapturedTraining capture(Optimizer optimizer, Collection<? extends Parameter> trainable, float maxNorm,
                                         List<int[]> intInputs, Supplier<Variable> lossFn) {
    return capture(optimizer, trainable, maxNorm, intInputs, List.of(lossFn));
  }

  /**
   * {@link #capture(Optimizer, Collection, float, List, Supplier)} for a step that accumulates
   * gradients over micro-batches: each of {@code microBatches} builds one micro-batch's loss, whose
   * backward (scaled by 1/n for n micro-batches) adds to the gradients before the one update, as
   * building the graph per micro-batch does. Each micro-batch's graph is garbage once its backward
   * is done, and the replay lays their buffers out by lifetime, so they share memory.
   */
  public static CapturedTraining capture(Optimizer optimizer, Collection<? extends Parameter> trainable, float maxNorm,
                                         List<int[]> intInputs, List<Supplier<Variable>> microBatches) {
    int n = microBatches.size();
    if (n == 0) throw new IllegalArgumentException("CapturedTraining: no micro-batch to train on");
    List<Tensor> results = new ArrayList<>();
    for (Parameter p : trainable) results.add(p.value());
    int stateBefore = optimizer.stateTensors().size();
    if (stateBefore == 0) {
      throw new IllegalStateException("CapturedTraining: the optimizer has no state yet; call createState() or take "
          + "one ordinary step before capturing, so its moments exist outside the recorded step");
    }
    results.addAll(optimizer.stateTensors());
    Tensor gradNorm = Tensor.zeros(1);
    Tensor gradScale = optimizer.gradScale();   // the caller's coefficient tensor, if it has one
    if (gradScale == null) {
      gradScale = Tensor.zeros(1);
      optimizer.scaleGradientsBy(gradScale);
    }

    optimizer.zeroGrad();
    Backend backend = Backends.current();
    CapturedProgram program;
    List<Tensor> lossValues = new ArrayList<>();
    List<Runnable> hostWork;
    try (StepCapture capture = StepCapture.begin(optimizer.perStepTensors())) {
      try {
        for (Supplier<Variable> lossFn : microBatches) {
          Variable loss = lossFn.get();
          (n == 1 ? loss : F.scale(loss, 1f / n)).backward();
          lossValues.add(loss.value());
        }
        GradClip.clipCoefficient(trainable, maxNorm, gradNorm, gradScale);
        // a loss that is not finite must not train either, and nobody reads it before the update:
        // 0·loss is NaN then and poisons the coefficient, so AdamW skips (coef + 0·finite = coef)
        for (Tensor loss : lossValues) Backends.current().elementwise().axpy(0f, loss, gradScale);
      } catch (IllegalStateException e) {
        throw new StepNotRecorded(e);   // nothing has changed yet: no weight, no optimizer state
      }
      // the host's half of the update (step counts, this step's scalars) writes only the declared
      // per-step tensors; it comes last so that a step refused above has changed nothing (a
      // failure from here on is not a refusal: it propagates as it is)
      optimizer.prepareStep();
      optimizer.applyStep();
      // the gradients stay readable after a run (the trainer names a non-finite one)
      List<Tensor> gradients = new ArrayList<>();
      for (Parameter p : trainable) if (p.grad() != null) gradients.add(p.grad());
      List<Tensor> outputs = new ArrayList<>(lossValues);
      outputs.add(gradNorm);
      program = capture.end(intInputs, outputs, results, gradients);
      hostWork = capture.hostWork();
    }
    // The step's graph (every activation it made) is garbage from here on: one collection now lets
    // the buffers of the replay take its place in the heap instead of growing the heap around it
    // (the JVM would otherwise expand the heap before collecting garbage it has promoted).
    System.gc();
    if (optimizer.stateTensors().size() != stateBefore) {
      throw new IllegalStateException("CapturedTraining: the optimizer created state inside the recorded step "
          + "(a parameter got its first gradient there); take an ordinary step with every trainable parameter first");
    }
    CompiledStep compiled;
    try {
      compiled = StepCompiler.forBackend(backend).compile(program, backend);
    } catch (RuntimeException e) {
      throw new StepNotCompiled(backend.name(), e, (float) mean(lossValues), gradNorm.item());
    }
    return new CapturedTraining(optimizer, compiled, lossValues, gradNorm, program.calls().size(), hostWork);
  }

  /**
   * The step could not be recorded (an op a replay could not repeat, such as dropout); nothing was
   * changed, so the caller may take the step the ordinary way.
   */
  public static final class StepNotRecorded extends IllegalStateException {
    StepNotRecorded(IllegalStateException cause) {
      super(cause.getMessage(), cause);
    }
  }

  /**
   * The step was recorded (and taken: the weights are updated) but the backend cannot run the
   * recording; the caller may go on with ordinary steps.
   */
  public static final class StepNotCompiled extends IllegalStateException {
    private final float loss;
    private final float gradNorm;

    StepNotCompiled(String backend, RuntimeException cause, float loss, float gradNorm) {
      super("the " + backend + " backend cannot run the recorded step: " + cause.getMessage(), cause);
      this.loss = loss;
      this.gradNorm = gradNorm;
    }

    /** The loss of the step that was taken while recording. */
    public float loss() {
      return loss;
    }

    /** Its global gradient norm (not finite: the update was skipped). */
    public float gradNorm() {
      return gradNorm;
    }
  }

  /**
   * One training step on the values now in the input arrays; returns the loss. The gradient norm
   * is {@link #gradNorm()}; when it is not finite the update was skipped (weights unchanged).
   */
  public float run() {
    optimizer.prepareStep();
    for (Runnable work : hostWork) work.run();   // this step's dropout masks, drawn as the graph would
    compiled.run();
    return (float) meanLoss();
  }

  /** The loss of the recorded step itself (it ran while being recorded). */
  public float capturedLoss() {
    return (float) meanLoss();
  }

  /**
   * The last step's loss: the mean of its micro-batches' losses, summed in double as a step that
   * builds its graph sums them (the loss itself with one micro-batch).
   */
  public double meanLoss() {
    return mean(losses);
  }

  private static double mean(List<Tensor> losses) {
    double total = 0;
    for (Tensor loss : losses) total += loss.item();
    return total / losses.size();
  }

  /** The global gradient norm of the last step, before clipping. */
  public float gradNorm() {
    return gradNorm.item();
  }

  /** Brings trained parameters and optimizer state to the host (a no-op when the step runs there). */
  public void syncToHost() {
    compiled.syncToHost();
  }

  /** Kernel calls per step. */
  public int calls() {
    return calls;
  }

  /** Where and how the step runs, for the user. */
  public String describe() {
    return compiled.describe();
  }

  @Override
  public void close() {
    compiled.close();
  }
}
