package org.jlora.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.jlora.autograd.Parameter;
import org.jlora.examples.data.Batch;
import org.jlora.examples.model.llama.Llama;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Two barrier tasks on local[2] train the same adapter as one process does on the same global
 * batch: bit for bit against gradient accumulation of the two micro-batches (the same sums in the
 * same order), and within float rounding against one forward over the concatenated batch.
 */
class DataParallelTest {
  static SparkSession spark;
  @TempDir static Path tmp;
  static Path base;
  static final List<int[]> ROWS = Fixtures.tokenRows(24, 11);

  @BeforeAll
  static void start() throws Exception {
    spark = Fixtures.spark();
    base = Fixtures.tinyLlama(tmp);
  }

  @AfterAll
  static void stop() {
    spark.stop();
  }

  private static SparkFinetuneConfig config(String out) {
    return SparkFinetuneConfig.builder().modelPath(base.toString()).outputPath(tmp.resolve(out).toString())
        .workers(2).steps(6).microBatch(2).contextLength(16).learningRate(1e-2f).maxGradNorm(1f)
        .rank(4).alpha(8).seed(3).checkpointEvery(0).build();
  }

  @Test
  void twoTasksEqualOneProcessAccumulatingTheSameMicroBatches() throws Exception {
    SparkFinetuneConfig cfg = config("dp");
    FinetuneReport dp = JloraSpark.finetune(Fixtures.dataset(spark, ROWS), cfg);
    assertEquals(6, dp.losses().size());
    assertTrue(dp.finalLoss() < dp.losses().get(0), "the loss falls: " + dp.losses());

    // one process: worker 1's gradients computed on the same model right after worker 0's
    Llama model = (Llama) BaseModels.load(base.toString());
    LoraModel lm = LoraModel.inject(model, BaseModels.lora(cfg));
    StepBatches w0 = new StepBatches("w0", Fixtures.share(ROWS, 0, 2), cfg.seed(), 0, 2, 16);
    StepBatches w1 = new StepBatches("w1", Fixtures.share(ROWS, 1, 2), cfg.seed(), 1, 2, 16);
    Accumulating exchange = new Accumulating(model, w1);
    SyncTrainer trainer = new SyncTrainer(model, cfg, exchange);
    exchange.params = new ArrayList<>(trainer.trainable().values());
    List<Float> losses = new ArrayList<>();
    for (int s = 0; s < cfg.steps(); s++) {
      exchange.step = s;
      losses.add(trainer.step(s, w0.forStep(s)));
    }
    Path ref = tmp.resolve("accumulated");
    PeftAdapters.save(lm, lm.activeAdapter(), ref);

    assertEquals(losses, dp.losses(), "losses bit-identical");
    Fixtures.assertSameBits(ref, Path.of(dp.adapterDir()));
  }

  @Test
  void twoTasksMatchOneForwardOverTheConcatenatedGlobalBatch() throws Exception {
    SparkFinetuneConfig cfg = config("dp-concat");
    FinetuneReport dp = JloraSpark.finetune(Fixtures.dataset(spark, ROWS), cfg);

    Llama model = (Llama) BaseModels.load(base.toString());
    LoraModel lm = LoraModel.inject(model, BaseModels.lora(cfg));
    StepBatches w0 = new StepBatches("w0", Fixtures.share(ROWS, 0, 2), cfg.seed(), 0, 2, 16);
    StepBatches w1 = new StepBatches("w1", Fixtures.share(ROWS, 1, 2), cfg.seed(), 1, 2, 16);
    SyncTrainer single = new SyncTrainer(model, cfg, GradientExchange.single());
    double maxLossDiff = 0;
    for (int s = 0; s < cfg.steps(); s++) {
      float loss = single.step(s, concat(w0.forStep(s), w1.forStep(s)));
      maxLossDiff = Math.max(maxLossDiff, Math.abs(loss - dp.losses().get(s)));
    }
    Path ref = tmp.resolve("concatenated");
    PeftAdapters.save(lm, lm.activeAdapter(), ref);
    double maxAdapterDiff = Fixtures.maxAbsDiff(ref, Path.of(dp.adapterDir()));
    System.out.printf("data-parallel vs one global batch: max |loss diff| %.3g, max |adapter diff| %.3g%n",
        maxLossDiff, maxAdapterDiff);
    assertTrue(maxLossDiff <= 1e-6, "loss differs by " + maxLossDiff);
    assertTrue(maxAdapterDiff <= 1e-6, "adapter differs by " + maxAdapterDiff);
  }

  @Test
  void theBarrierAllGatherGivesTheSameBitsAsTheRing() throws Exception {
    SparkFinetuneConfig ring = config("ring2").toBuilder().steps(2).build();
    SparkFinetuneConfig barrier = config("barrier2").toBuilder().steps(2)
        .exchange(SparkFinetuneConfig.Exchange.BARRIER).build();
    FinetuneReport a = JloraSpark.finetune(Fixtures.dataset(spark, ROWS), ring);
    FinetuneReport b = JloraSpark.finetune(Fixtures.dataset(spark, ROWS), barrier);
    assertEquals(a.losses(), b.losses());
    Fixtures.assertSameBits(Path.of(a.adapterDir()), Path.of(b.adapterDir()));
    assertEquals(a.bytesPerStep() + 4, a.sentBytesPerStep(), "the ring sends N-1 = 1 message a step");
    assertEquals((b.bytesPerStep() + 2) / 3 * 4, b.sentBytesPerStep(), "the barrier sends one Base64 message");
  }

  private static Batch concat(Batch a, Batch b) {
    int[] in = new int[a.inputs().length + b.inputs().length];
    int[] tg = new int[in.length];
    System.arraycopy(a.inputs(), 0, in, 0, a.inputs().length);
    System.arraycopy(b.inputs(), 0, in, a.inputs().length, b.inputs().length);
    System.arraycopy(a.targets(), 0, tg, 0, a.targets().length);
    System.arraycopy(b.targets(), 0, tg, a.targets().length, b.targets().length);
    return new Batch(in, tg, a.batchSize() + b.batchSize(), a.blockSize());
  }

  /**
   * A one-process stand-in for a 2-worker all-gather: worker 1's message is computed on the spot
   * on the same model, whose parameters have not moved yet this step (gradient accumulation).
   */
  private static final class Accumulating implements GradientExchange {
    private final Llama model;
    private final StepBatches other;
    List<Parameter> params;
    int step;

    Accumulating(Llama model, StepBatches other) {
      this.model = model;
      this.other = other;
    }

    @Override
    public int rank() {
      return 0;
    }

    @Override
    public int size() {
      return 2;
    }

    @Override
    public byte[][] allGather(byte[] mine) {
      for (Parameter p : params) p.zeroGrad();
      Batch b = other.forStep(step);
      var loss = model.loss(b.inputs(), b.targets(), b.batchSize(), b.blockSize());
      loss.backward();
      return new byte[][] {mine, Gradients.pack(params, b.scoredCount(), loss.value().get(0))};
    }
  }
}
