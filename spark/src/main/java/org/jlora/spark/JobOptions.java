package org.jlora.spark;

import java.util.List;
import picocli.CommandLine.Option;

/** The options every Spark fine-tuning command shares, turned into a {@link SparkFinetuneConfig}. */
final class JobOptions {
  @Option(names = "--model", required = true, description = "Base model every executor can read: a Hugging Face Llama/Qwen2 directory or a llama2.c .bin.")
  String model;

  @Option(names = "--data", required = true, description = "Training rows: Parquet (a file or directory) or JSON lines, with a column of text or token ids.")
  String data;

  @Option(names = "--out", required = true, description = "Output path every executor can write; a rerun with the same path resumes.")
  String out;

  @Option(names = "--workers", defaultValue = "2", description = "Barrier tasks (data-parallel) or partitions (per tenant). Default: ${DEFAULT-VALUE}.")
  int workers;

  @Option(names = "--steps", defaultValue = "100", description = "Optimizer steps (per tenant for per-tenant). Default: ${DEFAULT-VALUE}.")
  int steps;

  @Option(names = "--micro-batch", defaultValue = "4", description = "Rows each worker adds to a step. Default: ${DEFAULT-VALUE}.")
  int microBatch;

  @Option(names = "--context", defaultValue = "64", description = "Tokens per row. Default: ${DEFAULT-VALUE}.")
  int context;

  @Option(names = "--lr", defaultValue = "1e-3", description = "Learning rate. Default: ${DEFAULT-VALUE}.")
  float lr;

  @Option(names = "--rank", defaultValue = "8", description = "LoRA rank. Default: ${DEFAULT-VALUE}.")
  int rank;

  @Option(names = "--alpha", defaultValue = "16", description = "LoRA alpha. Default: ${DEFAULT-VALUE}.")
  float alpha;

  @Option(names = "--targets", split = ",", defaultValue = "q_proj,v_proj", description = "Modules to adapt. Default: ${DEFAULT-VALUE}.")
  List<String> targets;

  @Option(names = "--seed", defaultValue = "0", description = "Seed of the adapter's init and the batch draws. Default: ${DEFAULT-VALUE}.")
  long seed;

  @Option(names = "--checkpoint-every", defaultValue = "50", description = "Checkpoint every N steps (0: never). Default: ${DEFAULT-VALUE}.")
  int checkpointEvery;

  @Option(names = "--column", defaultValue = "text", description = "Column of text (encoded with the model's tokenizer) or of token ids (array of int). Default: ${DEFAULT-VALUE}.")
  String column;

  @Option(names = "--tenant-column", defaultValue = "tenant", description = "Column naming the tenant (per-tenant). Default: ${DEFAULT-VALUE}.")
  String tenantColumn;

  @Option(names = "--exchange", defaultValue = "ring", description = "Gradient exchange: ring (TCP between tasks) or barrier (Spark's all-gather, ~1 s a step). Default: ${DEFAULT-VALUE}.")
  String exchange;

  SparkFinetuneConfig config() {
    SparkFinetuneConfig.Exchange ex = switch (exchange) {
      case "ring" -> SparkFinetuneConfig.Exchange.RING;
      case "barrier" -> SparkFinetuneConfig.Exchange.BARRIER;
      default -> throw new IllegalArgumentException("--exchange must be ring or barrier, got '" + exchange + "'");
    };
    return SparkFinetuneConfig.builder().modelPath(model).outputPath(out).workers(workers).steps(steps)
        .microBatch(microBatch).contextLength(context).learningRate(lr).rank(rank).alpha(alpha).targetModules(targets)
        .seed(seed).checkpointEvery(checkpointEvery).textColumn(column).tenantColumn(tenantColumn).exchange(ex)
        .encoder(new ModelTokenizerEncoder(model))   // used only when the column holds text
        .build();
  }
}
