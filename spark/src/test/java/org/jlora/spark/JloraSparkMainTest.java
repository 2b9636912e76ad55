package org.jlora.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.jlora.lora.PeftAdapters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The spark-submit main class, run in-process on local[2] (no master given). */
class JloraSparkMainTest {
  @TempDir Path tmp;

  @Test
  void finetuneFromParquetWritesAPeftAdapterAndATextColumnIsExplained() throws Exception {
    Path base = Fixtures.tinyLlama(tmp);
    SparkSession spark = Fixtures.spark();
    try {
      Fixtures.dataset(spark, Fixtures.tokenRows(12, 4)).write().parquet(tmp.resolve("rows.parquet").toString());
      spark.createDataFrame(List.of(new Text("hello")), Text.class).write().parquet(tmp.resolve("text.parquet").toString());
    } finally {
      spark.stop();
    }
    CommandLine cl = JloraSparkMain.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    int rc = cl.execute("finetune", "--model", base.toString(), "--data", tmp.resolve("rows.parquet").toString(),
        "--out", tmp.resolve("out").toString(), "--workers", "2", "--steps", "3", "--micro-batch", "2",
        "--context", "16", "--rank", "4", "--checkpoint-every", "0");
    assertEquals(0, rc, err.toString());
    assertTrue(Files.isRegularFile(tmp.resolve("out/adapter").resolve(PeftAdapters.WEIGHTS_FILE)));

    rc = cl.execute("finetune", "--model", base.toString(), "--data", tmp.resolve("text.parquet").toString(),
        "--out", tmp.resolve("out2").toString());
    assertEquals(1, rc);
    String message = err.toString().strip();
    // a text column is encoded with the model's own tokenizer; this test model has none beside it
    assertTrue(message.startsWith("jlora-spark: ") && message.contains("tokenizer"), message);
    assertEquals(1, message.lines().count(), "one line");
  }

  @Test
  void aTextColumnIsEncodedWithTheModelsOwnTokenizer() throws Exception {
    Path stories = Path.of("../../shared/models/stories260K.bin");
    org.junit.jupiter.api.Assumptions.assumeTrue(Files.exists(stories), "stories260K is shared data, not here");
    SparkSession spark = Fixtures.spark();
    try {
      List<Text> rows = new java.util.ArrayList<>();
      for (int i = 0; i < 8; i++) rows.add(new Text("LAWYER, n. One skilled in circumvention of the law, number " + i + "."));
      spark.createDataFrame(rows, Text.class).write().parquet(tmp.resolve("text.parquet").toString());
    } finally {
      spark.stop();
    }
    CommandLine cl = JloraSparkMain.commandLine();
    StringWriter err = new StringWriter();
    cl.setErr(new PrintWriter(err));
    int rc = cl.execute("finetune", "--model", stories.toString(), "--data", tmp.resolve("text.parquet").toString(),
        "--out", tmp.resolve("out").toString(), "--workers", "2", "--steps", "2", "--micro-batch", "2",
        "--context", "16", "--rank", "4", "--checkpoint-every", "0");
    assertEquals(0, rc, err.toString());
    assertTrue(Files.isRegularFile(tmp.resolve("out/adapter").resolve(PeftAdapters.WEIGHTS_FILE)));
  }

  /** A bean for a one-column text dataset. */
  public static final class Text implements java.io.Serializable {
    private String text;

    public Text() {}

    Text(String text) {
      this.text = text;
    }

    public String getText() {
      return text;
    }

    public void setText(String text) {
      this.text = text;
    }
  }
}
