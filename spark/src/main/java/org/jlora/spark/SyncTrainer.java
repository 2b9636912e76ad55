package org.jlora.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.autograd.Variable;
import org.jlora.autograd.optim.AdamW;
import org.jlora.autograd.optim.GradClip;
import org.jlora.autograd.optim.LrSchedule;
import org.jlora.autograd.optim.ParamGroup;
import org.jlora.examples.data.Batch;
import org.jlora.examples.model.LanguageModel;

/**
 * The synchronous data-parallel step, the same on every worker:
 *
 * <ol>
 *   <li>forward and backward on this worker's micro-batch (local gradients);
 *   <li>all-gather everyone's gradients and sum them in rank order ({@link Gradients});
 *   <li>clip the summed gradient and take the AdamW step.
 * </ol>
 *
 * Every worker starts from the same adapter and applies the same update computed from the same
 * bits, so the adapters never drift apart and no parameters need to be broadcast. With one worker
 * ({@link GradientExchange#single()}) this is plain single-process training.
 *
 * <p>Only the gradients are reduced: averaging LoRA's A and B after local steps (federated style)
 * would not be exact, since the update of the product B·A is not the product of the averages.
 */
public final class SyncTrainer {
  private final LanguageModel model;
  private final Map<String, Parameter> trainable;
  private final List<Parameter> params;
  private final AdamW optimizer;
  private final LrSchedule schedule;
  private final float maxGradNorm;
  private final GradientExchange exchange;
  private final SparkFinetuneConfig.StepHook hook;
  private long bytesPerStep;
  private long exchangeNanos;

  /** Trains the parameters of {@code model} that require a gradient, in name order. */
  public SyncTrainer(LanguageModel model, SparkFinetuneConfig cfg, GradientExchange exchange) {
    this.model = model;
    this.trainable = new LinkedHashMap<>();
    model.namedParameters().entrySet().stream()
        .filter(e -> e.getValue().requiresGrad())
        .sorted(Map.Entry.comparingByKey())   // the fixed order every worker packs and sums in
        .forEach(e -> trainable.put(e.getKey(), e.getValue()));
    if (trainable.isEmpty()) throw new IllegalStateException("the model has no trainable parameters (no adapter injected?)");
    this.params = new ArrayList<>(trainable.values());
    this.optimizer = new AdamW(List.of(new ParamGroup(params, cfg.learningRate(), cfg.weightDecay())),
        0.9f, 0.999f, 1e-8f);
    this.schedule = cfg.warmupSteps() > 0 ? LrSchedule.warmupCosine(cfg.warmupSteps(), cfg.steps(), 0f)
        : LrSchedule.constant();
    this.maxGradNorm = cfg.maxGradNorm();
    this.exchange = exchange;
    this.hook = cfg.hook();
  }

  /** One synchronous step (0-based {@code step}) on this worker's {@code batch}; returns the global batch's mean loss. */
  public float step(int step, Batch batch) {
    optimizer.zeroGrad();
    Variable loss = model.loss(batch.inputs(), batch.targets(), batch.batchSize(), batch.blockSize());
    loss.backward();
    if (hook != null) hook.beforeExchange(exchange.rank(), step);
    byte[] mine = Gradients.pack(params, batch.scoredCount(), loss.value().get(0));
    bytesPerStep = mine.length;
    long t0 = System.nanoTime();
    byte[][] all = exchange.allGather(mine);   // waits for the slowest worker, then the transfer
    exchangeNanos += System.nanoTime() - t0;
    Gradients.Global global = Gradients.reduceInto(params, all);
    if (!Float.isFinite(global.loss())) {
      throw new IllegalStateException("step " + step + ": the loss is " + global.loss()
          + " (training diverged; lower the learning rate)");
    }
    if (maxGradNorm > 0) GradClip.clipGradNorm(params, maxGradNorm);
    schedule.apply(optimizer, step);
    optimizer.step();
    return global.loss();
  }

  /** The trainable parameters by name, in the exchange order. */
  public Map<String, Parameter> trainable() {
    return trainable;
  }

  public AdamW optimizer() {
    return optimizer;
  }

  /** Nanoseconds spent in the exchange so far: waiting for the slowest worker plus the transfer. */
  public long exchangeNanos() {
    return exchangeNanos;
  }

  /** Bytes of this worker's last message (before any transport encoding). */
  public long bytesPerStep() {
    return bytesPerStep;
  }
}
