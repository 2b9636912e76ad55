package org.jlora.spark;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import org.apache.spark.HashPartitioner;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import scala.Tuple2;

/**
 * LoRA fine-tuning on Spark, from Java:
 *
 * <pre>{@code
 * Dataset<Row> rows = spark.read().parquet("/shared/data");          // a "text" column of token ids
 * FinetuneReport r = JloraSpark.finetune(rows, SparkFinetuneConfig.builder()
 *     .modelPath("/shared/SmolLM2-135M").outputPath("/shared/runs/a").workers(4).build());
 * Dataset<Row> summary = JloraSpark.finetunePerTenant(rows, cfg);   // one adapter per tenant
 * }</pre>
 */
public final class JloraSpark {
  private static final String ROW_ID = "_jlora_row";

  private JloraSpark() {}

  /**
   * Synchronous data-parallel training of one adapter on {@code cfg.workers()} barrier tasks.
   * Row i of {@code data} (in the dataset's order) goes to worker i mod workers. A failed task
   * fails the job; rerunning with the same output path resumes from the newest checkpoint.
   */
  public static FinetuneReport finetune(Dataset<Row> data, SparkFinetuneConfig cfg) {
    SparkContext sc = data.sparkSession().sparkContext();
    requireColumn(data, cfg.textColumn(), "training");
    requireSlots(sc, cfg.workers());
    int n = cfg.workers();
    JavaRDD<int[]> ids = data.select(col(cfg.textColumn())).javaRDD().map(row -> TokenRows.ids(row, 0, cfg));
    // (index, ids) keyed by index mod n; HashPartitioner sends the integer key k < n to partition k
    JavaRDD<Tuple2<Long, int[]>> shards = ids.zipWithIndex()
        .mapToPair(t -> new Tuple2<>((int) (t._2() % n), new Tuple2<>(t._2(), t._1())))
        .partitionBy(new HashPartitioner(n))
        .values();
    sc.setJobDescription("jlora data-parallel LoRA: " + n + " workers, " + cfg.steps() + " steps");
    Class<FinetuneReport> type = FinetuneReport.class;
    List<FinetuneReport> reports = Barrier.mapPartitions(shards, new DataParallelTask(cfg, UUID.randomUUID().toString()), type).collect();
    if (reports.size() != 1) throw new IllegalStateException("expected task 0's report, got " + reports.size());
    return reports.get(0);
  }

  /**
   * One adapter per tenant: rows are grouped by {@code cfg.tenantColumn()}, each tenant's adapter is
   * trained on its executor against a base loaded once per task and written to
   * {@code <out>/<tenant>/}. Returns the summary (tenant, examples, steps, final_loss, adapter), computed once.
   */
  public static Dataset<Row> finetunePerTenant(Dataset<Row> data, SparkFinetuneConfig cfg) {
    SparkSession spark = data.sparkSession();
    requireColumn(data, cfg.textColumn(), "training");
    requireColumn(data, cfg.tenantColumn(), "tenant");
    spark.sparkContext().setJobDescription("jlora per-tenant LoRA: " + cfg.steps() + " steps a tenant");
    // the row id keeps each tenant's rows in their original order through the shuffle
    Dataset<Row> grouped = data.withColumn(ROW_ID, monotonically_increasing_id())
        .repartition(cfg.workers(), col(cfg.tenantColumn()))
        .sortWithinPartitions(col(cfg.tenantColumn()), col(ROW_ID))
        .select(col(cfg.tenantColumn()), col(cfg.textColumn()));
    List<TenantSummary> done = grouped.javaRDD().mapPartitions(new PerTenantTask(cfg)).collect();
    List<Row> rows = new ArrayList<>();
    for (TenantSummary s : done) rows.add(RowFactory.create(s.tenant(), s.examples(), s.steps(), s.finalLoss(), s.adapterDir()));
    StructType schema = new StructType()
        .add("tenant", DataTypes.StringType)
        .add("examples", DataTypes.IntegerType)
        .add("steps", DataTypes.IntegerType)
        .add("final_loss", DataTypes.FloatType)
        .add("adapter", DataTypes.StringType);
    return spark.createDataFrame(rows, schema).orderBy("tenant");
  }

  private static void requireColumn(Dataset<Row> data, String column, String what) {
    if (!Arrays.asList(data.columns()).contains(column)) {
      throw new IllegalArgumentException("the data has no " + what + " column '" + column + "'; its columns: "
          + String.join(", ", data.columns()));
    }
  }

  /**
   * A barrier stage needs all its tasks running at once. On a local master, refuse up front what
   * cannot fit instead of letting the scheduler retry for minutes before it gives up.
   */
  private static void requireSlots(SparkContext sc, int workers) {
    if (sc.isLocal() && workers > sc.defaultParallelism()) {
      throw new IllegalArgumentException(workers + " workers need " + workers + " task slots at once but master "
          + sc.master() + " has " + sc.defaultParallelism() + "; use local[" + workers + "] or fewer workers");
    }
  }
}
