package org.jlora.examples.gpt;

/**
 * Hyper-parameters of one training run.
 *
 * @param steps optimizer steps in total (the cosine schedule ends here)
 * @param batchSize rows per micro-batch (B)
 * @param contextLength tokens per row (T), at most the model's block size
 * @param lr peak learning rate, reached after {@code warmup} steps
 * @param minLr the learning rate the cosine decays to at {@code steps}
 * @param warmup linear warm-up steps
 * @param weightDecay AdamW's decoupled decay, for matrices only (not biases, LayerNorms, embeddings)
 * @param gradClip global grad-norm limit (0 = no clipping)
 * @param gradAccum micro-batches accumulated per step (1 = none)
 * @param evalEvery steps between validation losses (0 = only at the end)
 * @param evalBatches batches averaged per validation loss
 * @param seed data order; the same seed gives the same run
 */
public record TrainConfig(int steps, int batchSize, int contextLength, float lr, float minLr, int warmup,
                          float weightDecay, float gradClip, int gradAccum, int evalEvery, int evalBatches, long seed) {
  public TrainConfig {
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

  /** Sensible defaults for {@code steps} steps: warm-up 10%, min lr lr/10, decay 0.1, clip 1.0, eval 10 times. */
  public static TrainConfig defaults(int steps, int batchSize, int contextLength, float lr, long seed) {
    return new TrainConfig(steps, batchSize, contextLength, lr, lr / 10, Math.min(steps - 1, Math.max(0, steps / 10)),
        0.1f, 1.0f, 1, Math.max(1, steps / 10), 4, seed);
  }

  /** Tokens one optimizer step consumes: B · T · accumulation. */
  public long tokensPerStep() {
    return (long) batchSize * contextLength * gradAccum;
  }

  public TrainConfig withWeightDecay(float wd) {
    return new TrainConfig(steps, batchSize, contextLength, lr, minLr, warmup, wd, gradClip, gradAccum, evalEvery,
        evalBatches, seed);
  }

  public TrainConfig withEval(int every, int batches) {
    return new TrainConfig(steps, batchSize, contextLength, lr, minLr, warmup, weightDecay, gradClip, gradAccum, every,
        batches, seed);
  }

  public TrainConfig withGradAccum(int accum) {
    return new TrainConfig(steps, batchSize, contextLength, lr, minLr, warmup, weightDecay, gradClip, accum, evalEvery,
        evalBatches, seed);
  }
}
