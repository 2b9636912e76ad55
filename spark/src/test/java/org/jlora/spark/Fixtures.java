package org.jlora.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.jlora.engine.Rng;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.llama.HfLlama;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.jlora.lora.PeftAdapters;
import org.jlora.lora.io.SafeTensors;

/** A tiny random Llama on disk, synthetic token rows, a local[2] session, adapter comparisons. */
final class Fixtures {
  static final int VOCAB = 48;

  private Fixtures() {}

  static SparkSession spark() {
    return SparkSession.builder().master("local[2]").appName("jlora-spark-test")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate();
  }

  /** A 2-layer random Llama (GQA, untied) saved as a Hugging Face directory. */
  static Path tinyLlama(Path dir) throws IOException {
    LlamaConfig cfg = LlamaConfig.builder().vocabSize(VOCAB).hiddenSize(32).intermediateSize(64).numLayers(2)
        .numHeads(4).numKvHeads(2).maxPositions(64).build();
    Path out = dir.resolve("base");
    HfLlama.save(new Llama(cfg, 7), out);
    return out;
  }

  /** {@code n} rows of 12..27 random token ids, reproducible for {@code seed}. */
  static List<int[]> tokenRows(int n, long seed) {
    Rng rng = new Rng(seed);
    List<int[]> rows = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int[] ids = new int[12 + rng.nextInt(16)];
      for (int t = 0; t < ids.length; t++) ids[t] = rng.nextInt(VOCAB);
      rows.add(ids);
    }
    return rows;
  }

  static List<Integer> boxed(int[] ids) {
    List<Integer> out = new ArrayList<>(ids.length);
    for (int id : ids) out.add(id);
    return out;
  }

  /** A one-partition dataset (so its row order is the list's) with a "text" column of token ids. */
  static Dataset<Row> dataset(SparkSession spark, List<int[]> rows) {
    List<Row> r = new ArrayList<>();
    for (int[] ids : rows) r.add(RowFactory.create(boxed(ids)));
    StructType schema = new StructType().add("text", DataTypes.createArrayType(DataTypes.IntegerType));
    return spark.createDataFrame(r, schema).coalesce(1);
  }

  /** Rows i with i mod n == w: worker w's share. */
  static List<int[]> share(List<int[]> rows, int w, int n) {
    List<int[]> out = new ArrayList<>();
    for (int i = w; i < rows.size(); i += n) out.add(rows.get(i));
    return out;
  }

  static Map<String, Tensor> adapterTensors(Path dir) throws IOException {
    return SafeTensors.readAll(dir.resolve(PeftAdapters.WEIGHTS_FILE));
  }

  static void assertSameBits(Path expectedDir, Path actualDir) throws IOException {
    Map<String, Tensor> e = adapterTensors(expectedDir);
    Map<String, Tensor> a = adapterTensors(actualDir);
    assertEquals(e.keySet(), a.keySet());
    for (String k : e.keySet()) assertArrayEquals(e.get(k).toArray(), a.get(k).toArray(), 0f, k);
  }

  /** The largest |difference| over every tensor of two adapters. */
  static double maxAbsDiff(Path expectedDir, Path actualDir) throws IOException {
    Map<String, Tensor> e = adapterTensors(expectedDir);
    Map<String, Tensor> a = adapterTensors(actualDir);
    assertEquals(e.keySet(), a.keySet());
    double max = 0;
    for (String k : e.keySet()) {
      float[] x = e.get(k).toArray();
      float[] y = a.get(k).toArray();
      for (int i = 0; i < x.length; i++) max = Math.max(max, Math.abs(x[i] - y[i]));
    }
    return max;
  }
}
