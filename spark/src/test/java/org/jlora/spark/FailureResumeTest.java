package org.jlora.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A task that throws mid-run fails the whole job (no worker carries on alone); rerunning with the
 * same output path resumes from the last checkpoint and ends with the adapter an uninterrupted run
 * writes, bit for bit.
 */
class FailureResumeTest {
  static SparkSession spark;
  @TempDir static Path tmp;
  static Path base;
  static final List<int[]> ROWS = Fixtures.tokenRows(20, 21);

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
        .workers(2).steps(6).microBatch(2).contextLength(16).learningRate(1e-2f).rank(4).alpha(8).seed(9)
        .checkpointEvery(2).build();
  }

  @Test
  void aFailedTaskFailsTheJobAndARerunResumesFromTheCheckpoint() throws Exception {
    SparkFinetuneConfig crashing = config("run").toBuilder().hook((rank, step) -> {
      if (rank == 1 && step == 3) throw new IllegalStateException("injected fault: worker 1 dies at step 3");
    }).build();
    Exception e = assertThrows(Exception.class, () -> JloraSpark.finetune(Fixtures.dataset(spark, ROWS), crashing));
    // Spark reports whichever task failed first: the faulty one, or its neighbour whose read failed
    String m = String.valueOf(e.getMessage());
    assertTrue(m.contains("injected fault") || m.contains("worker 1 closed the connection"), m);
    Path out = tmp.resolve("run");
    assertFalse(Files.exists(out.resolve(DataParallelWorker.ADAPTER_DIR)), "no final adapter after a failure");
    assertEquals(2, TrainingCheckpoints.latest(out).orElseThrow().stepsDone(), "steps 0 and 1 were checkpointed");

    FinetuneReport resumed = JloraSpark.finetune(Fixtures.dataset(spark, ROWS), config("run"));
    assertEquals(2, resumed.resumedFrom());
    assertEquals(6, resumed.losses().size());

    FinetuneReport straight = JloraSpark.finetune(Fixtures.dataset(spark, ROWS), config("straight"));
    assertEquals(0, straight.resumedFrom());
    assertEquals(straight.losses(), resumed.losses());
    Fixtures.assertSameBits(Path.of(straight.adapterDir()), Path.of(resumed.adapterDir()));
  }

  @Test
  void aCheckpointOfARunWithOtherSettingsIsNotResumed() throws Exception {
    JloraSpark.finetune(Fixtures.dataset(spark, ROWS), config("other").toBuilder().steps(2).build());
    SparkFinetuneConfig changed = config("other").toBuilder().learningRate(5e-3f).build();
    Exception e = assertThrows(Exception.class, () -> JloraSpark.finetune(Fixtures.dataset(spark, ROWS), changed));
    assertTrue(String.valueOf(e.getMessage()).contains("belongs to a run with other settings"), e.getMessage());
  }

  @Test
  void aMissingColumnIsNamed() {
    Exception e = assertThrows(IllegalArgumentException.class, () -> JloraSpark.finetune(Fixtures.dataset(spark, ROWS),
        config("col").toBuilder().textColumn("tokens").build()));
    assertEquals("the data has no training column 'tokens'; its columns: text", e.getMessage());
  }

  @Test
  void moreWorkersThanSlotsIsRefusedUpFront() {
    Exception e = assertThrows(IllegalArgumentException.class,
        () -> JloraSpark.finetune(Fixtures.dataset(spark, ROWS), config("wide").toBuilder().workers(3).build()));
    assertEquals("3 workers need 3 task slots at once but master local[2] has 2; use local[3] or fewer workers",
        e.getMessage());
  }
}
