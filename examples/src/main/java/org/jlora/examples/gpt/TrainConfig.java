package org.jlora.examples.gpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Objects;

/**
 * Hyper-parameters of one training run, built by name so that two settings of the same type (lr
 * and min lr, eval every and eval batches) cannot be swapped silently:
 *
 * <pre>
 *   TrainConfig.builder().steps(1000).batchSize(16).contextLength(64).lr(3e-3f).seed(1).build()
 * </pre>
 *
 * Unset fields take {@link Builder}'s defaults: min lr = lr/10, warm-up 10% of the steps, weight
 * decay 0.1, clipping 1.0, no accumulation, validation 10 times a run over 4 batches. Immutable;
 * {@link #toBuilder} changes a copy.
 */
public final class TrainConfig {
  private final int steps;
  private final int batchSize;
  private final int contextLength;
  private final float lr;
  private final float minLr;
  private final int warmup;
  private final float weightDecay;
  private final float gradClip;
  private final int gradAccum;
  private final int evalEvery;
  private final int evalBatches;
  private final long seed;

  private TrainConfig(Builder b) {
    steps = b.steps;
    batchSize = b.batchSize;
    contextLength = b.contextLength;
    lr = b.lr;
    minLr = b.minLr != null ? b.minLr : b.lr / 10;
    warmup = b.warmup != null ? b.warmup : Math.min(steps - 1, Math.max(0, steps / 10));
    weightDecay = b.weightDecay;
    gradClip = b.gradClip;
    gradAccum = b.gradAccum;
    evalEvery = b.evalEvery != null ? b.evalEvery : Math.max(1, steps / 10);
    evalBatches = b.evalBatches;
    seed = b.seed;
    if (steps < 1) throw new IllegalArgumentException("steps must be >= 1, got " + steps);
    if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
    if (contextLength < 1) throw new IllegalArgumentException("context length must be >= 1, got " + contextLength);
    if (!(lr > 0) || !(minLr >= 0) || minLr > lr) {
      throw new IllegalArgumentException("need lr > 0 and 0 <= min lr <= lr, got lr " + lr + ", min lr " + minLr);
    }
    if (warmup < 0 || warmup >= steps) throw new IllegalArgumentException("warm-up must be in [0, steps), got " + warmup);
    if (!(weightDecay >= 0)) throw new IllegalArgumentException("weight decay must be >= 0, got " + weightDecay);
    if (!(gradClip >= 0)) throw new IllegalArgumentException("grad clip must be >= 0, got " + gradClip);
    if (gradAccum < 1) throw new IllegalArgumentException("grad accumulation must be >= 1, got " + gradAccum);
    if (evalEvery < 0 || evalBatches < 1) {
      throw new IllegalArgumentException("eval every must be >= 0 and eval batches >= 1, got " + evalEvery + ", "
          + evalBatches);
    }
  }

  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding every value of this config (derived defaults included). */
  public Builder toBuilder() {
    return builder().steps(steps).batchSize(batchSize).contextLength(contextLength).lr(lr).minLr(minLr).warmup(warmup)
        .weightDecay(weightDecay).gradClip(gradClip).gradAccum(gradAccum).evalEvery(evalEvery).evalBatches(evalBatches)
        .seed(seed);
  }

  /** Optimizer steps in total (the cosine schedule ends here). */
  public int steps() { return steps; }

  /** Rows per micro-batch (B). */
  public int batchSize() { return batchSize; }

  /** Tokens per row (T), at most the model's context length. */
  public int contextLength() { return contextLength; }

  /** Peak learning rate, reached after {@link #warmup} steps. */
  public float lr() { return lr; }

  /** The learning rate the cosine decays to at {@link #steps}. */
  public float minLr() { return minLr; }

  /** Linear warm-up steps. */
  public int warmup() { return warmup; }

  /** AdamW's decoupled decay, for matrices only (not biases, LayerNorms, embeddings). */
  public float weightDecay() { return weightDecay; }

  /** Global grad-norm limit (0 = no clipping). */
  public float gradClip() { return gradClip; }

  /** Micro-batches accumulated per step (1 = none). */
  public int gradAccum() { return gradAccum; }

  /** Steps between validation losses (0 = only at the end). */
  public int evalEvery() { return evalEvery; }

  /** Batches averaged per validation loss. */
  public int evalBatches() { return evalBatches; }

  /** Data order; the same seed gives the same run. */
  public long seed() { return seed; }

  /** Tokens one optimizer step consumes: B · T · accumulation. */
  public long tokensPerStep() {
    return (long) batchSize * contextLength * gradAccum;
  }

  /** The settings as JSON (a checkpoint's {@code trainer.json} keeps them to check a resume). */
  public ObjectNode toJson() {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("steps", steps);
    o.put("batchSize", batchSize);
    o.put("contextLength", contextLength);
    o.put("lr", lr);
    o.put("minLr", minLr);
    o.put("warmup", warmup);
    o.put("weightDecay", weightDecay);
    o.put("gradClip", gradClip);
    o.put("gradAccum", gradAccum);
    o.put("evalEvery", evalEvery);
    o.put("evalBatches", evalBatches);
    o.put("seed", seed);
    return o;
  }

  /** Reads {@link #toJson}'s form; {@code source} names the file in errors. */
  public static TrainConfig fromJson(JsonNode o, String source) {
    try {
      return builder().steps(num(o, "steps", source).intValue()).batchSize(num(o, "batchSize", source).intValue())
          .contextLength(num(o, "contextLength", source).intValue()).lr(num(o, "lr", source).floatValue())
          .minLr(num(o, "minLr", source).floatValue()).warmup(num(o, "warmup", source).intValue())
          .weightDecay(num(o, "weightDecay", source).floatValue()).gradClip(num(o, "gradClip", source).floatValue())
          .gradAccum(num(o, "gradAccum", source).intValue()).evalEvery(num(o, "evalEvery", source).intValue())
          .evalBatches(num(o, "evalBatches", source).intValue()).seed(num(o, "seed", source).longValue()).build();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
    }
  }

  private static Number num(JsonNode o, String key, String source) {
    JsonNode v = o == null ? null : o.get(key);
    if (v == null || !v.isNumber()) throw new IllegalArgumentException(source + ": missing or non-numeric '" + key + "'");
    return v.numberValue();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof TrainConfig c && toJson().equals(c.toJson());
  }

  @Override
  public int hashCode() {
    return Objects.hash(steps, batchSize, contextLength, lr, minLr, warmup, weightDecay, gradClip, gradAccum, evalEvery,
        evalBatches, seed);
  }

  @Override
  public String toString() {
    return "TrainConfig" + toJson();
  }

  /** Named settings; {@code steps}, {@code batchSize}, {@code contextLength} and {@code lr} have no default. */
  public static final class Builder {
    private int steps;
    private int batchSize;
    private int contextLength;
    private float lr;
    private Float minLr;          // null: lr / 10
    private Integer warmup;       // null: 10% of the steps
    private float weightDecay = 0.1f;
    private float gradClip = 1.0f;
    private int gradAccum = 1;
    private Integer evalEvery;    // null: 10 times a run
    private int evalBatches = 4;
    private long seed;

    private Builder() {}

    public Builder steps(int v) { steps = v; return this; }

    public Builder batchSize(int v) { batchSize = v; return this; }

    public Builder contextLength(int v) { contextLength = v; return this; }

    public Builder lr(float v) { lr = v; return this; }

    public Builder minLr(float v) { minLr = v; return this; }

    public Builder warmup(int v) { warmup = v; return this; }

    public Builder weightDecay(float v) { weightDecay = v; return this; }

    public Builder gradClip(float v) { gradClip = v; return this; }

    public Builder gradAccum(int v) { gradAccum = v; return this; }

    /** Validation every {@code every} steps (0 = only at the end) over {@code batches} batches. */
    public Builder eval(int every, int batches) { evalEvery = every; evalBatches = batches; return this; }

    public Builder evalEvery(int v) { evalEvery = v; return this; }

    public Builder evalBatches(int v) { evalBatches = v; return this; }

    public Builder seed(long v) { seed = v; return this; }

    public TrainConfig build() {
      return new TrainConfig(this);
    }
  }
}
