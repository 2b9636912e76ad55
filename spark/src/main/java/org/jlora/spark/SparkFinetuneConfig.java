package org.jlora.spark;

import java.io.Serializable;
import java.util.List;

/**
 * Everything a Spark fine-tuning job needs, shipped to every task (hence Serializable). Build one
 * by name; the defaults suit a small LoRA run:
 *
 * <pre>{@code
 * SparkFinetuneConfig cfg = SparkFinetuneConfig.builder()
 *     .modelPath("/shared/SmolLM2-135M").outputPath("/shared/runs/a")
 *     .workers(4).steps(200).microBatch(4).contextLength(128).build();
 * }</pre>
 *
 * <p>One step trains on a global batch of {@code workers · microBatch} rows: each worker draws
 * {@code microBatch} rows from its own share of the data.
 *
 * @param modelPath base model every executor can read: a Hugging Face directory or a llama2.c .bin
 * @param outputPath where the adapter (and checkpoints) go; a shared path every executor can write
 * @param workers barrier tasks of the data-parallel job (each needs a free task slot at once)
 * @param steps optimizer steps (per tenant, for per-tenant jobs)
 * @param microBatch rows each worker contributes to a step
 * @param contextLength tokens per row
 * @param learningRate AdamW's peak learning rate
 * @param weightDecay AdamW's decoupled weight decay
 * @param maxGradNorm clip the global gradient norm to this; 0 turns clipping off
 * @param warmupSteps linear warm-up then cosine decay to 0; 0 keeps the rate constant
 * @param rank LoRA rank r
 * @param alpha LoRA alpha (scaling alpha / r)
 * @param loraDropout LoRA dropout; must be 0 for data-parallel runs to equal single-process ones
 * @param targetModules modules to adapt (PEFT's target_modules)
 * @param seed seeds the adapter's initialisation and the batch draws
 * @param checkpointEvery task 0 saves adapter + optimizer state every this many steps; 0 never
 * @param textColumn the column holding the training rows: token ids (array of int) or text
 * @param tenantColumn the column naming each row's tenant (per-tenant jobs)
 * @param encoder turns a text column's strings into token ids; null when the column holds ids
 * @param hook called on every task at every step (tests inject faults with it); null for none
 * @param exchange how the data-parallel workers swap gradients: a TCP ring between them (fast) or
 *     Spark's barrier all-gather through the driver (about a second a step)
 */
public record SparkFinetuneConfig(String modelPath, String outputPath, int workers, int steps, int microBatch,
                                  int contextLength, float learningRate, float weightDecay, float maxGradNorm,
                                  int warmupSteps, int rank, float alpha, float loraDropout, List<String> targetModules,
                                  long seed, int checkpointEvery, String textColumn, String tenantColumn,
                                  TextEncoder encoder, StepHook hook, Exchange exchange)
    implements Serializable {

  /** The data-parallel workers' gradient exchange. */
  public enum Exchange { RING, BARRIER }

  /** Text to token ids, run on the executors (a tokenizer wrapped in a serializable lambda). */
  @FunctionalInterface
  public interface TextEncoder extends Serializable {
    int[] encode(String text);
  }

  /** Called by every task before it exchanges step {@code step}'s gradients. */
  @FunctionalInterface
  public interface StepHook extends Serializable {
    void beforeExchange(int rank, int step);
  }

  public SparkFinetuneConfig {
    require(modelPath != null && !modelPath.isBlank(), "the model path is missing");
    require(outputPath != null && !outputPath.isBlank(), "the output path is missing");
    require(workers >= 1, "workers must be at least 1, got " + workers);
    require(steps >= 1, "steps must be at least 1, got " + steps);
    require(microBatch >= 1, "micro-batch must be at least 1 row, got " + microBatch);
    require(contextLength >= 1, "context length must be at least 1, got " + contextLength);
    require(learningRate > 0 && Float.isFinite(learningRate), "learning rate must be positive, got " + learningRate);
    require(weightDecay >= 0, "weight decay must be >= 0, got " + weightDecay);
    require(maxGradNorm >= 0, "max grad norm must be >= 0 (0 turns clipping off), got " + maxGradNorm);
    require(warmupSteps >= 0 && (warmupSteps == 0 || warmupSteps < steps),
        "warm-up steps must be >= 0 and fewer than the steps, got " + warmupSteps);
    require(rank >= 1, "LoRA rank must be at least 1, got " + rank);
    require(loraDropout >= 0 && loraDropout < 1, "LoRA dropout must be in [0, 1), got " + loraDropout);
    require(targetModules != null && !targetModules.isEmpty(), "no target modules");
    require(checkpointEvery >= 0, "checkpoint interval must be >= 0 (0 never), got " + checkpointEvery);
    require(exchange != null, "no gradient exchange chosen (ring or barrier)");
    targetModules = List.copyOf(targetModules);
  }

  private static void require(boolean ok, String message) {
    if (!ok) throw new IllegalArgumentException(message);
  }

  /** The rows of one global batch. */
  public int globalBatch() {
    return workers * microBatch;
  }

  public static Builder builder() {
    return new Builder();
  }

  public Builder toBuilder() {
    Builder b = new Builder();
    b.modelPath = modelPath;
    b.outputPath = outputPath;
    b.workers = workers;
    b.steps = steps;
    b.microBatch = microBatch;
    b.contextLength = contextLength;
    b.learningRate = learningRate;
    b.weightDecay = weightDecay;
    b.maxGradNorm = maxGradNorm;
    b.warmupSteps = warmupSteps;
    b.rank = rank;
    b.alpha = alpha;
    b.loraDropout = loraDropout;
    b.targetModules = targetModules;
    b.seed = seed;
    b.checkpointEvery = checkpointEvery;
    b.textColumn = textColumn;
    b.tenantColumn = tenantColumn;
    b.encoder = encoder;
    b.hook = hook;
    b.exchange = exchange;
    return b;
  }

  /** Named setters over the defaults. */
  public static final class Builder {
    private String modelPath;
    private String outputPath;
    private int workers = 2;
    private int steps = 100;
    private int microBatch = 4;
    private int contextLength = 64;
    private float learningRate = 1e-3f;
    private float weightDecay = 0f;
    private float maxGradNorm = 1f;
    private int warmupSteps = 0;
    private int rank = 8;
    private float alpha = 16f;
    private float loraDropout = 0f;
    private List<String> targetModules = List.of("q_proj", "v_proj");
    private long seed = 0;
    private int checkpointEvery = 50;
    private String textColumn = "text";
    private String tenantColumn = "tenant";
    private TextEncoder encoder;
    private StepHook hook;
    private Exchange exchange = Exchange.RING;

    private Builder() {}

    public Builder modelPath(String v) { modelPath = v; return this; }
    public Builder outputPath(String v) { outputPath = v; return this; }
    public Builder workers(int v) { workers = v; return this; }
    public Builder steps(int v) { steps = v; return this; }
    public Builder microBatch(int v) { microBatch = v; return this; }
    public Builder contextLength(int v) { contextLength = v; return this; }
    public Builder learningRate(float v) { learningRate = v; return this; }
    public Builder weightDecay(float v) { weightDecay = v; return this; }
    public Builder maxGradNorm(float v) { maxGradNorm = v; return this; }
    public Builder warmupSteps(int v) { warmupSteps = v; return this; }
    public Builder rank(int v) { rank = v; return this; }
    public Builder alpha(float v) { alpha = v; return this; }
    public Builder loraDropout(float v) { loraDropout = v; return this; }
    public Builder targetModules(String... v) { targetModules = List.of(v); return this; }
    public Builder targetModules(List<String> v) { targetModules = v; return this; }
    public Builder seed(long v) { seed = v; return this; }
    public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
    public Builder textColumn(String v) { textColumn = v; return this; }
    public Builder tenantColumn(String v) { tenantColumn = v; return this; }
    public Builder encoder(TextEncoder v) { encoder = v; return this; }
    public Builder hook(StepHook v) { hook = v; return this; }
    public Builder exchange(Exchange v) { exchange = v; return this; }

    public SparkFinetuneConfig build() {
      return new SparkFinetuneConfig(modelPath, outputPath, workers, steps, microBatch, contextLength, learningRate,
          weightDecay, maxGradNorm, warmupSteps, rank, alpha, loraDropout, targetModules, seed, checkpointEvery,
          textColumn, tenantColumn, encoder, hook, exchange);
    }
  }
}
