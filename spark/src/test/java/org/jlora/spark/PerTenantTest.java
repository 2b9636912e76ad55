package org.jlora.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jlora.lora.PeftAdapters;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Three tenants' rows, interleaved: one adapter each, each equal to training that tenant alone. */
class PerTenantTest {
  static SparkSession spark;
  @TempDir static Path tmp;
  static Path base;

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
        .workers(2).steps(4).microBatch(2).contextLength(16).learningRate(1e-2f).rank(4).alpha(8).seed(5)
        .checkpointEvery(0).build();
  }

  private static Dataset<Row> rows(Map<String, List<int[]>> byTenant) {
    // interleave the tenants' rows so grouping has work to do; each tenant's own order is kept
    List<Row> rows = new ArrayList<>();
    int longest = byTenant.values().stream().mapToInt(List::size).max().orElse(0);
    for (int i = 0; i < longest; i++) {
      for (Map.Entry<String, List<int[]>> e : byTenant.entrySet()) {
        if (i < e.getValue().size()) rows.add(RowFactory.create(e.getKey(), Fixtures.boxed(e.getValue().get(i))));
      }
    }
    StructType schema = new StructType().add("tenant", DataTypes.StringType)
        .add("text", DataTypes.createArrayType(DataTypes.IntegerType));
    // a local list's partitions keep its order: the dataset's order is the list's
    return spark.createDataFrame(rows, schema);
  }

  @Test
  void eachTenantsAdapterEqualsTrainingThatTenantAlone() throws Exception {
    Map<String, List<int[]>> byTenant = new LinkedHashMap<>();
    byTenant.put("acme", Fixtures.tokenRows(6, 1));
    byTenant.put("globex", Fixtures.tokenRows(9, 2));
    byTenant.put("initech", Fixtures.tokenRows(5, 3));
    SparkFinetuneConfig cfg = config("tenants");
    List<Row> summary = JloraSpark.finetunePerTenant(rows(byTenant), cfg).collectAsList();

    assertEquals(3, summary.size());
    for (Row r : summary) {
      String tenant = r.getString(0);
      assertEquals(byTenant.get(tenant).size(), r.getInt(1), tenant + " examples");
      assertEquals(4, r.getInt(2));
      Path dir = tmp.resolve("tenants").resolve(tenant);
      assertTrue(Files.isRegularFile(dir.resolve(PeftAdapters.CONFIG_FILE)), dir + " has a PEFT config");

      SparkFinetuneConfig alone = cfg.toBuilder().outputPath(tmp.resolve("alone-" + tenant).toString()).build();
      FinetuneReport ref = DataParallelWorker.run(alone, byTenant.get(tenant), GradientExchange.single());
      assertEquals(ref.finalLoss(), r.getFloat(3), tenant + " final loss");
      Fixtures.assertSameBits(Path.of(ref.adapterDir()), dir);
    }
  }

  @Test
  void aTenantNameThatWouldLeaveTheOutputPathIsRefused() {
    Map<String, List<int[]>> byTenant = new LinkedHashMap<>();
    byTenant.put("../evil", Fixtures.tokenRows(4, 1));
    Exception e = assertThrows(Exception.class, () -> JloraSpark.finetunePerTenant(rows(byTenant), config("bad")));
    assertTrue(String.valueOf(e.getMessage()).contains("is not a safe directory name"), e.getMessage());
    assertTrue(!Files.exists(tmp.resolve("evil")));
  }
}
