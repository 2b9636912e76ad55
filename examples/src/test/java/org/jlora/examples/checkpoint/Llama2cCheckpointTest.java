package org.jlora.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.jlora.autograd.NoGrad;
import org.jlora.engine.RopeLayout;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.KvCache;
import org.jlora.examples.model.llama.Llama;
import org.jlora.examples.model.llama.LlamaConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The llama2.c reader and writer against the real stories260K checkpoint (skipped only when the
 * shared model directory is absent): Karpathy's greedy sample, the cache against full recompute,
 * an exact write-back, and refusals of malformed files.
 */
class Llama2cCheckpointTest {
  static final Path STORIES = Path.of("../../shared/models/stories260K.bin");
  /** Greedy continuation of BOS, from ../shared/models/README.md. */
  static final int[] GREEDY = {403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426, 338, 401,
      396, 267, 337};

  @TempDir Path tmp;

  static Llama stories() throws IOException {
    assumeTrue(Files.isRegularFile(STORIES), "stories260K.bin is not at " + STORIES.toAbsolutePath());
    return Llama2cCheckpoint.read(STORIES);
  }

  @Test
  void readsTheHeaderAsTheReadmeStatesIt() throws IOException {
    Llama m = stories();
    LlamaConfig c = m.config();
    assertEquals(64, c.hiddenSize());
    assertEquals(172, c.intermediateSize());
    assertEquals(5, c.numLayers());
    assertEquals(8, c.numHeads());
    assertEquals(4, c.numKvHeads());
    assertEquals(8, c.headDim());
    assertEquals(512, c.vocabSize());
    assertTrue(c.tieEmbeddings());
    assertEquals(260_032, m.parameterCount());
    assertTrue(!m.namedParameters().containsKey("lm_head.weight"));
  }

  @Test
  void greedyDecodingGivesKarpathysSampleWithAndWithoutTheCache() throws IOException {
    Llama m = stories();
    int n = GREEDY.length;
    try (NoGrad ng = NoGrad.enter()) {
      // with the cache: BOS, then one token at a time
      KvCache cache = m.newCache(1);
      int[] withCache = new int[n];
      int next = 1;
      float[][] cachedLogits = new float[n][];
      for (int i = 0; i < n; i++) {
        cachedLogits[i] = m.forward(new int[] {next}, 1, 1, cache).value().toArray();
        next = argmax(cachedLogits[i], 0, 512);
        withCache[i] = next;
      }
      assertArrayEquals(GREEDY, withCache, "cached greedy decode");
      assertEquals(n, cache.length());

      // without: the whole prefix every step
      int[] seq = new int[n + 1];
      seq[0] = 1;
      for (int i = 0; i < n; i++) {
        float[] logits = m.forward(Arrays.copyOf(seq, i + 1), 1, i + 1).value().toArray();
        seq[i + 1] = argmax(logits, i * 512, 512);
      }
      assertArrayEquals(GREEDY, Arrays.copyOfRange(seq, 1, n + 1), "recomputed greedy decode");

      // the cached logits equal the full forward's at every position
      float[] full = m.forward(Arrays.copyOf(seq, n), 1, n).value().toArray();
      float worst = 0;
      for (int i = 0; i < n; i++) {
        for (int v = 0; v < 512; v++) worst = Math.max(worst, Math.abs(full[i * 512 + v] - cachedLogits[i][v]));
      }
      assertTrue(worst <= 1e-5f, "cached vs full logits differ by " + worst);

      // a prefill of several tokens then single steps agrees too (batch of 2 identical rows)
      KvCache c2 = m.newCache(2);
      int[] prompt = {1, 403, 407, 261, 1, 403, 407, 261};
      float[] pre = m.forward(prompt, 2, 4, c2).value().toArray();
      for (int v = 0; v < 512; v++) {
        assertEquals(full[3 * 512 + v], pre[3 * 512 + v], 1e-5f);
        assertEquals(full[3 * 512 + v], pre[7 * 512 + v], 1e-5f);
      }
    }
  }

  @Test
  void interleavedReadingGivesTheSameLogits() throws IOException {
    Llama halves = stories();
    Llama interleaved = Llama2cCheckpoint.read(STORIES, RopeLayout.INTERLEAVED);
    int[] ids = Arrays.copyOf(GREEDY, 12);
    try (NoGrad ng = NoGrad.enter()) {
      float[] a = halves.forward(ids, 1, ids.length).value().toArray();
      float[] b = interleaved.forward(ids, 1, ids.length).value().toArray();
      for (int i = 0; i < a.length; i++) assertEquals(a[i], b[i], 1e-5f, "logit " + i);
    }
  }

  /** Read then write: byte-identical except the obsolete RoPE tables, which are written as zeros. */
  @Test
  void writeBackIsExactApartFromTheRopeTables() throws IOException {
    Llama m = stories();
    Path out = tmp.resolve("copy.bin");
    Llama2cCheckpoint.write(m, out);
    byte[] original = Files.readAllBytes(STORIES);
    byte[] written = Files.readAllBytes(out);
    assertEquals(original.length, written.length);
    int tableBytes = 2 * 512 * 4 * 4;                  // two [seq_len, head_size/2] float tables
    int tablesAt = original.length - tableBytes;      // tied: they are the last arrays
    assertArrayEquals(Arrays.copyOf(original, tablesAt), Arrays.copyOf(written, tablesAt));
    for (int i = tablesAt; i < written.length; i++) assertEquals(0, written[i], "RoPE table byte " + i);
    // and the original tables were not zero, so the comparison above excluded something real
    boolean nonZero = false;
    for (int i = tablesAt; i < original.length; i++) nonZero |= original[i] != 0;
    assertTrue(nonZero);
  }

  @Test
  void untiedRandomModelRoundTrips() throws IOException {
    LlamaConfig cfg = LlamaConfig.builder().vocabSize(20).hiddenSize(16).intermediateSize(24).numLayers(2)
        .numHeads(4).numKvHeads(2).maxPositions(8).build();
    Llama m = new Llama(cfg, 3);
    Path out = tmp.resolve("untied.bin");
    Llama2cCheckpoint.write(m, out);
    assertEquals(Llama2cCheckpoint.expectedBytes(cfg), Files.size(out));
    ByteBuffer head = ByteBuffer.wrap(Files.readAllBytes(out)).order(ByteOrder.LITTLE_ENDIAN);
    assertEquals(-20, head.getInt(20), "an untied classifier is marked by a negative vocab_size");
    Llama back = Llama2cCheckpoint.read(out);
    for (var e : m.stateDict().entrySet()) {
      assertArrayEquals(e.getValue().toArray(), back.stateDict().get(e.getKey()).toArray(), 0f, e.getKey());
    }
  }

  @Test
  void malformedFilesAreRefusedBeforeAllocating() throws IOException {
    Path shortFile = tmp.resolve("short.bin");
    Files.write(shortFile, new byte[10]);
    assertTrue(assertThrows(IOException.class, () -> Llama2cCheckpoint.read(shortFile)).getMessage().contains("header"));

    // a header asking for 2^31 floats in a 100-byte file
    ByteBuffer b = ByteBuffer.allocate(100).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : new int[] {65536, 65536, 1000, 8, 4, 4_000_000, 4_000_000}) b.putInt(v);
    Path huge = tmp.resolve("huge.bin");
    Files.write(huge, b.array());
    String msg = assertThrows(IOException.class, () -> Llama2cCheckpoint.read(huge)).getMessage();
    assertTrue(msg.contains("implausible") || msg.contains("needs exactly"), msg);

    // a plausible header with one float too few
    ByteBuffer ok = ByteBuffer.allocate(28).order(ByteOrder.LITTLE_ENDIAN);
    for (int v : new int[] {16, 24, 2, 4, 2, 20, 8}) ok.putInt(v);
    Path truncated = tmp.resolve("truncated.bin");
    LlamaConfig cfg = LlamaConfig.builder().vocabSize(20).hiddenSize(16).intermediateSize(24).numLayers(2)
        .numHeads(4).numKvHeads(2).maxPositions(8).tieEmbeddings(true).build();
    byte[] bytes = new byte[(int) Llama2cCheckpoint.expectedBytes(cfg) - 4];
    System.arraycopy(ok.array(), 0, bytes, 0, 28);
    Files.write(truncated, bytes);
    msg = assertThrows(IOException.class, () -> Llama2cCheckpoint.read(truncated)).getMessage();
    assertTrue(msg.contains("needs exactly " + Llama2cCheckpoint.expectedBytes(cfg)), msg);
  }

  @Test
  void thePermutationIsInvertedExactly() {
    float[] w = Tensor.randn(new org.jlora.engine.Rng(5), 3 * 8, 5).toArray();
    assertArrayEquals(w, Llama2cCheckpoint.toInterleaved(Llama2cCheckpoint.toHalves(w, 3, 8, 5), 3, 8, 5), 0f);
  }

  static int argmax(float[] x, int from, int n) {
    int best = 0;
    for (int i = 1; i < n; i++) if (x[from + i] > x[from + best]) best = i;
    return best;
  }
}
