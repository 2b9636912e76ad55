package org.jlora.spark;

import org.apache.spark.SparkConf;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * The {@code spark-submit} entry point:
 *
 * <pre>
 *   spark-submit --class org.jlora.spark.JloraSparkMain --master spark://host:7077 jlora-spark.jar \
 *       finetune --model /shared/SmolLM2-135M --data /shared/rows.parquet --out /shared/runs/a --workers 4
 * </pre>
 *
 * Run without spark-submit (plain {@code java -cp}), it uses {@code local[workers]}.
 */
@Command(name = "jlora-spark", mixinStandardHelpOptions = true, version = "jlora-spark 0.1.0",
    description = "LoRA fine-tuning on Apache Spark.", subcommands = {SparkBench.class, CommandLine.HelpCommand.class})
public final class JloraSparkMain implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  @Command(name = "finetune", description = "Synchronous data-parallel LoRA: one adapter, <out>/adapter.")
  int finetune(@Mixin JobOptions o) {
    SparkFinetuneConfig cfg = o.config();
    SparkSession spark = session(cfg.workers());
    try {
      FinetuneReport r = JloraSpark.finetune(read(spark, o), cfg);
      System.out.printf("trained %d steps on %d workers%s: loss %.4f -> %.4f, %.2f steps/s, %d gradient bytes a step%n",
          r.losses().size(), cfg.workers(), r.resumedFrom() > 0 ? " (resumed at step " + r.resumedFrom() + ")" : "",
          r.losses().get(0), r.finalLoss(), r.stepsPerSecond(), r.bytesPerStep());
      System.out.println("adapter: " + r.adapterDir());
      return 0;
    } finally {
      spark.stop();
    }
  }

  @Command(name = "per-tenant", description = "One adapter per tenant: <out>/<tenant>/, and a summary table.")
  int perTenant(@Mixin JobOptions o) {
    SparkFinetuneConfig cfg = o.config();
    SparkSession spark = session(cfg.workers());
    try {
      JloraSpark.finetunePerTenant(read(spark, o), cfg).show(1000, false);
      return 0;
    } finally {
      spark.stop();
    }
  }

  /** spark-submit's session, or local[workers] when started without a master. */
  static SparkSession session(int workers) {
    SparkSession.Builder b = SparkSession.builder().appName("jlora");
    if (!new SparkConf().contains("spark.master")) b.master("local[" + workers + "]").config("spark.ui.enabled", "false");
    return b.getOrCreate();
  }

  private static Dataset<Row> read(SparkSession spark, JobOptions o) {
    String p = o.data;
    Dataset<Row> rows = p.endsWith(".json") || p.endsWith(".jsonl") ? spark.read().json(p) : spark.read().parquet(p);
    if (!java.util.Arrays.asList(rows.columns()).contains(o.column)) {
      throw new IllegalArgumentException(p + " has no column '" + o.column + "'; its columns: " + String.join(", ", rows.columns()));
    }
    DataType type = rows.schema().apply(o.column).dataType();
    if (!(type instanceof ArrayType) && !(type instanceof org.apache.spark.sql.types.StringType)) {
      throw new IllegalArgumentException("column '" + o.column + "' of " + p + " holds " + type.simpleString()
          + "; it must hold text (encoded with the model's tokenizer) or token ids (an array of int)");
    }
    if (type instanceof org.apache.spark.sql.types.StringType) {
      try {   // fail here, in one line, rather than in every task
        org.jlora.examples.checkpoint.Pretrained.tokenizerOf(java.nio.file.Path.of(o.model), null);
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("column '" + o.column + "' of " + p + " holds text, to be encoded with the"
            + " model's tokenizer, but " + org.jlora.examples.cli.Main.message(e), e);
      }
    }
    return rows;
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (tests call {@code execute} on it): errors print as one line. */
  static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new JloraSparkMain());
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("jlora-spark: " + rootMessage(ex));
      return 1;
    });
    return cl;
  }

  /** Spark wraps a task's exception in its own; the user wants the innermost message. */
  private static String rootMessage(Throwable t) {
    Throwable c = t;
    while (c.getCause() != null && c.getCause() != c) c = c.getCause();
    return c.getMessage() != null ? c.getMessage() : String.valueOf(t.getMessage());
  }
}
