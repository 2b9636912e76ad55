package org.jlora.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.apache.spark.BarrierTaskContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;

/** Spark itself starts on this JDK (with the module's argLine) and runs a barrier stage. */
class SparkRunsTest {
  @Test
  void barrierStageAllGathersOnLocal2() {
    SparkSession spark = SparkSession.builder().master("local[2]").appName("smoke")
        .config("spark.ui.enabled", "false").getOrCreate();
    try {
      JavaSparkContext jsc = JavaSparkContext.fromSparkContext(spark.sparkContext());
      JavaRDD<Integer> rdd = jsc.parallelize(List.of(1, 2), 2);
      List<String> out = Barrier.mapPartitions(rdd, it -> {
        BarrierTaskContext ctx = BarrierTaskContext.get();
        String[] all = ctx.allGather("task" + ctx.partitionId());
        return List.of(String.join(",", all)).iterator();
      }, String.class).collect();
      assertEquals(List.of("task0,task1", "task0,task1"), out);
    } finally {
      spark.stop();
    }
  }
}
