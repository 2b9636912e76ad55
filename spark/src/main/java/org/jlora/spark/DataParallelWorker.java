package org.jlora.spark;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.jlora.examples.model.llama.Llama;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;

/**
 * What each worker of a data-parallel run does, with whatever {@link GradientExchange} connects
 * the workers (a Spark barrier stage, or one worker alone):
 * load the base once, inject the same adapter, resume from the newest checkpoint if there is one,
 * run the synchronous steps, and (rank 0 only) save checkpoints and the final adapter.
 */
public final class DataParallelWorker {
  /** The adapter's directory under the output path. */
  public static final String ADAPTER_DIR = "adapter";

  private DataParallelWorker() {}

  /** Trains on this worker's {@code examples} (token id rows, in a fixed order); rank 0's report is the run's. */
  public static FinetuneReport run(SparkFinetuneConfig cfg, List<int[]> examples, GradientExchange exchange)
      throws IOException {
    Llama base = BaseModels.load(cfg.modelPath());
    LoraModel lm = LoraModel.inject(base, BaseModels.lora(cfg));
    SyncTrainer trainer = new SyncTrainer(base, cfg, exchange);
    int rank = exchange.rank();
    StepBatches batches = new StepBatches("worker " + rank + "'s share of the data (" + examples.size() + " rows)",
        examples, cfg.seed(), rank, cfg.microBatch(), cfg.contextLength());

    Path out = Path.of(cfg.outputPath());
    List<Float> losses = new ArrayList<>();
    int start = 0;
    Optional<TrainingCheckpoints.Found> found = TrainingCheckpoints.latest(out);
    if (found.isPresent()) {
      if (found.get().stepsDone() > cfg.steps()) {
        throw new IllegalArgumentException("the checkpoint " + found.get().dir() + " has done " + found.get().stepsDone()
            + " steps, more than the " + cfg.steps() + " asked for; ask for at least as many or use a new output path");
      }
      TrainingCheckpoints.restore(found.get(), lm, trainer, TrainingCheckpoints.settings(cfg));
      start = found.get().stepsDone();
      losses.addAll(found.get().losses().subList(0, start));
    }
    agreeOnStart(exchange, start);

    long sentBefore = exchange.bytesSent();
    long t0 = System.nanoTime();
    for (int step = start; step < cfg.steps(); step++) {
      losses.add(trainer.step(step, batches.forStep(step)));
      int done = step + 1;
      boolean due = cfg.checkpointEvery() > 0 && (done % cfg.checkpointEvery() == 0 || done == cfg.steps());
      if (rank == 0 && due) TrainingCheckpoints.save(out, lm, trainer, done, losses, TrainingCheckpoints.settings(cfg));
    }
    double seconds = (System.nanoTime() - t0) / 1e9;
    Path adapter = out.resolve(ADAPTER_DIR);
    if (rank == 0) PeftAdapters.save(lm, lm.activeAdapter(), adapter);
    int ran = cfg.steps() - start;
    long sent = ran == 0 ? 0 : (exchange.bytesSent() - sentBefore) / ran;
    return new FinetuneReport(losses, start, adapter.toString(), trainer.bytesPerStep(), sent,
        ran == 0 ? 0 : ran / seconds, ran == 0 ? 0 : trainer.exchangeNanos() / 1e9 / ran);
  }

  /**
   * Every worker must resume from the same step: a worker that cannot see the output path would
   * otherwise start over and train a different adapter, silently.
   */
  private static void agreeOnStart(GradientExchange exchange, int start) {
    byte[][] all = exchange.allGather(ByteBuffer.allocate(4).putInt(start).array());
    for (int w = 0; w < all.length; w++) {
      int theirs = ByteBuffer.wrap(all[w]).getInt();
      if (theirs != start) {
        throw new IllegalStateException("worker " + w + " resumes at step " + theirs + " but worker "
            + exchange.rank() + " at step " + start + "; the output path must be one directory every executor shares");
      }
    }
  }
}
