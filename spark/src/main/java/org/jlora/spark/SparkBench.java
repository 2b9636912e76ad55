package org.jlora.spark;

import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jlora.engine.Rng;
import org.jlora.examples.model.llama.HfLlama;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jlora-spark bench}: steps/s of data-parallel LoRA for 1 and 2 workers at the same
 * global batch, on a random Llama of a given width, with both exchanges; and the gradient bytes a
 * step, measured and (for a SmolLM2-135M-shaped model) computed. A benchmark, not a test.
 */
@Command(name = "bench", description = "Steps/s and bytes a step of data-parallel LoRA, 1 and 2 workers.")
final class SparkBench implements Callable<Integer> {
  @Option(names = "--hidden", defaultValue = "256", description = "Model width. Default: ${DEFAULT-VALUE}.")
  int hidden;

  @Option(names = "--layers", defaultValue = "4", description = "Decoder layers. Default: ${DEFAULT-VALUE}.")
  int layers;

  @Option(names = "--steps", defaultValue = "20", description = "Steps a run (the barrier exchange runs 5). Default: ${DEFAULT-VALUE}.")
  int steps;

  @Option(names = "--global-batch", defaultValue = "8", description = "Rows a step, split over the workers. Default: ${DEFAULT-VALUE}.")
  int globalBatch;

  @Option(names = "--context", defaultValue = "64", description = "Tokens a row. Default: ${DEFAULT-VALUE}.")
  int context;

  @Override
  public Integer call() throws Exception {
    Path dir = Files.createTempDirectory("jlora-spark-bench");
    LlamaConfig mc = LlamaConfig.builder().vocabSize(512).hiddenSize(hidden).intermediateSize(hidden * 8 / 3)
        .numLayers(layers).numHeads(8).numKvHeads(4).maxPositions(Math.max(128, context)).build();
    HfLlama.save(new Llama(mc, 1), dir.resolve("base"));
    SparkSession spark = JloraSparkMain.session(2);
    try {
      Dataset<Row> data = syntheticRows(spark, 256, mc.vocabSize());
      System.out.printf("model: llama hidden %d, %d layers; LoRA r=8 on q_proj,v_proj; global batch %d x %d tokens; %s;"
          + " %d cores, load average %.1f%n", hidden, layers, globalBatch, context, spark.sparkContext().master(),
          Runtime.getRuntime().availableProcessors(), ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
      System.out.printf("%-8s %-8s %7s %9s %13s %13s %12s%n", "workers", "exchange", "steps/s", "tokens/s",
          "message B", "sent B/step", "exchange ms");
      int run = 0;
      // unreported runs of both batch shapes warm the JIT up: otherwise whichever run comes first looks slow
      for (int workers : new int[] {1, 2}) {
        JloraSpark.finetune(data, SparkFinetuneConfig.builder().modelPath(dir.resolve("base").toString())
            .outputPath(dir.resolve("warm-up" + workers).toString()).workers(workers).steps(15)
            .microBatch(globalBatch / workers).contextLength(context).checkpointEvery(0).build());
      }
      for (SparkFinetuneConfig.Exchange ex : SparkFinetuneConfig.Exchange.values()) {
        for (int workers : new int[] {1, 2}) {
          if (globalBatch % workers != 0) continue;
          int n = ex == SparkFinetuneConfig.Exchange.BARRIER ? Math.min(5, steps) : steps;
          SparkFinetuneConfig cfg = SparkFinetuneConfig.builder().modelPath(dir.resolve("base").toString())
              .outputPath(dir.resolve("run" + run++).toString()).workers(workers).steps(n)
              .microBatch(globalBatch / workers).contextLength(context).checkpointEvery(0).exchange(ex).build();
          FinetuneReport r = JloraSpark.finetune(data, cfg);
          System.out.printf("%-8d %-8s %7.2f %9.0f %13d %13d %12.1f%n", workers, ex.name().toLowerCase(),
              r.stepsPerSecond(), r.stepsPerSecond() * globalBatch * context, r.bytesPerStep(), r.sentBytesPerStep(),
              r.exchangeSecondsPerStep() * 1e3);
        }
      }
      long smol = 30L * 8 * ((576 + 576) + (576 + 192));   // SmolLM2-135M: 30 layers, q 576->576, v 576->192
      System.out.printf("a SmolLM2-135M-shaped r=8 q,v adapter: %d floats, %.2f MB a gradient message%n", smol,
          smol * 4 / 1e6);
      System.out.printf("ring all-gather of that message, 2 workers over loopback: %.1f ms%n",
          ringMillis(2, (int) (smol * 4 + 12), 20));
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** Mean milliseconds of a ring all-gather of {@code bytes}-byte messages between {@code n} local threads. */
  static double ringMillis(int n, int bytes, int reps) throws Exception {
    String[] slots = new String[n];
    CyclicBarrier swapped = new CyclicBarrier(n);
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      List<Future<Double>> f = new ArrayList<>();
      for (int r = 0; r < n; r++) {
        int rank = r;
        f.add(pool.submit(() -> {
          try (RingExchange ring = RingExchange.connect(rank, "127.0.0.1", "bench", mine -> {
            slots[rank] = mine;
            try {
              swapped.await();
            } catch (Exception e) {
              throw new IllegalStateException(e);
            }
            return slots.clone();
          }, () -> false)) {
            byte[] msg = new byte[bytes];
            ring.allGather(msg);   // warm-up
            long t0 = System.nanoTime();
            for (int i = 0; i < reps; i++) ring.allGather(msg);
            return (System.nanoTime() - t0) / 1e6 / reps;
          }
        }));
      }
      double worst = 0;
      for (Future<Double> x : f) worst = Math.max(worst, x.get());
      return worst;
    } finally {
      pool.shutdownNow();
    }
  }

  private static Dataset<Row> syntheticRows(SparkSession spark, int n, int vocab) {
    Rng rng = new Rng(42);
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      List<Integer> ids = new ArrayList<>();
      for (int t = 0, len = 64 + rng.nextInt(64); t < len; t++) ids.add(rng.nextInt(vocab));
      rows.add(RowFactory.create(ids));
    }
    StructType schema = new StructType().add("text", DataTypes.createArrayType(DataTypes.IntegerType));
    return spark.createDataFrame(rows, schema);
  }
}
