package org.jlora.examples.checkpoint;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.jlora.engine.Tensor;
import org.jlora.examples.model.gpt2.Gpt2;
import org.jlora.examples.model.llama.HfLlama;
import org.jlora.lora.io.DType;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading Hugging Face model directories: single file and shards, dtypes, and every error's message. */
class HfDirectoryTest {
  private static final String CONFIG = "{\"model_type\": \"llama\", \"hidden_size\": 4}";

  @TempDir Path tmp;

  /** A few tensors with distinct shapes and random values. */
  private static Map<String, Tensor> weights() {
    Random rnd = new Random(7);
    Map<String, Tensor> w = new LinkedHashMap<>();
    int[][] shapes = {{8, 4}, {4}, {2, 4}, {3, 2, 2}};
    String[] names = {"model.embed_tokens.weight", "model.norm.weight", "model.layers.0.self_attn.k_proj.weight", "lm_head.weight"};
    for (int i = 0; i < names.length; i++) {
      Tensor t = Tensor.zeros(shapes[i]);
      for (int j = 0; j < t.size(); j++) t.data()[j] = (float) rnd.nextGaussian();
      w.put(names[i], t);
    }
    return w;
  }

  private Path singleFileModel(Map<String, Tensor> w) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("single"));
    Files.writeString(dir.resolve("config.json"), CONFIG);
    SafeTensors.write(dir.resolve("model.safetensors"), w, Map.of("format", "pt"));
    return dir;
  }

  /** The same weights in two shards and an index, as save_pretrained(max_shard_size=...) lays them out. */
  private Path shardedModel(Map<String, Tensor> w) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("sharded"));
    Files.writeString(dir.resolve("config.json"), CONFIG);
    Map<String, Tensor> first = new LinkedHashMap<>();
    Map<String, Tensor> second = new LinkedHashMap<>();
    StringBuilder map = new StringBuilder();
    int i = 0;
    for (var e : w.entrySet()) {
      String shard = i++ < 2 ? "model-00001-of-00002.safetensors" : "model-00002-of-00002.safetensors";
      (i <= 2 ? first : second).put(e.getKey(), e.getValue());
      map.append(map.isEmpty() ? "" : ",").append('"').append(e.getKey()).append("\":\"").append(shard).append('"');
    }
    SafeTensors.write(dir.resolve("model-00001-of-00002.safetensors"), first, Map.of("format", "pt"));
    SafeTensors.write(dir.resolve("model-00002-of-00002.safetensors"), second, Map.of("format", "pt"));
    Files.writeString(dir.resolve("model.safetensors.index.json"),
        "{\"metadata\": {\"total_size\": 0},\n \"weight_map\": {" + map + "}}");
    return dir;
  }

  @Test
  void aShardedDirectoryReadsTheSameAsASingleFile() throws IOException {
    Map<String, Tensor> w = weights();
    try (HfDirectory single = HfDirectory.open(singleFileModel(w)); HfDirectory sharded = HfDirectory.open(shardedModel(w))) {
      assertEquals(w.keySet(), sharded.tensorNames());
      assertEquals(single.tensorNames(), sharded.tensorNames());
      assertEquals("llama", sharded.modelType());
      assertEquals(4, sharded.config().get("hidden_size").intValue());
      for (String name : w.keySet()) {
        assertArrayEquals(w.get(name).shape(), sharded.shape(name), name);
        assertEquals(DType.F32, sharded.dtype(name));
        assertArrayEquals(w.get(name).data(), sharded.tensor(name).data(), name);
        assertArrayEquals(single.tensor(name).data(), sharded.tensor(name).data(), name);
      }
      assertTrue(sharded.toString().endsWith("4 tensors in 2 files)"), "each shard is opened once: " + sharded);
      Map<String, Tensor> all = sharded.readAll();
      assertEquals(List.copyOf(w.keySet()), List.copyOf(all.keySet()));
    }
  }

  /** Writes one tensor of 16-bit values, as Python's safetensors would, bypassing jlora's F32 writer. */
  private Path sixteenBitModel(String dtype, short[] bits) throws IOException {
    Path dir = Files.createDirectories(tmp.resolve(dtype));
    Files.writeString(dir.resolve("config.json"), CONFIG);
    String json = "{\"w\":{\"dtype\":\"" + dtype + "\",\"shape\":[" + bits.length + "],\"data_offsets\":[0,"
        + bits.length * 2 + "]}}";
    byte[] header = json.getBytes(StandardCharsets.UTF_8);
    ByteBuffer file = ByteBuffer.allocate(8 + header.length + bits.length * 2).order(ByteOrder.LITTLE_ENDIAN);
    file.putLong(header.length).put(header);
    for (short b : bits) file.putShort(b);
    Files.write(dir.resolve("model.safetensors"), file.array());
    return dir;
  }

  @Test
  void f16ConvertsExactly() throws IOException {
    // 1, -2, largest finite, smallest subnormal 2^-24, -0, +inf, the half nearest 1/3
    short[] bits = {0x3C00, (short) 0xC000, 0x7BFF, 0x0001, (short) 0x8000, 0x7C00, 0x3555};
    float[] expected = {1f, -2f, 65504f, 0x1p-24f, -0f, Float.POSITIVE_INFINITY, 0.333251953125f};
    try (HfDirectory hf = HfDirectory.open(sixteenBitModel("F16", bits))) {
      assertEquals(DType.F16, hf.dtype("w"));
      assertBitsEqual(expected, hf.tensor("w").data());
    }
  }

  @Test
  void bf16ConvertsExactly() throws IOException {
    // bfloat16 is the upper half of a float32: 1, -3, largest finite, a subnormal, -0, +inf, 0.333984375
    short[] bits = {0x3F80, (short) 0xC040, 0x7F7F, 0x0001, (short) 0x8000, 0x7F80, 0x3EAB};
    float[] expected = new float[bits.length];
    for (int i = 0; i < bits.length; i++) expected[i] = Float.intBitsToFloat((bits[i] & 0xffff) << 16);
    assertEquals(-3f, expected[1]);
    assertEquals(0.333984375f, expected[6]);
    try (HfDirectory hf = HfDirectory.open(sixteenBitModel("BF16", bits))) {
      assertEquals(DType.BF16, hf.dtype("w"));
      assertBitsEqual(expected, hf.tensor("w").data());
    }
  }

  private static void assertBitsEqual(float[] expected, float[] actual) {
    assertEquals(expected.length, actual.length);
    for (int i = 0; i < expected.length; i++) {
      assertEquals(Float.floatToRawIntBits(expected[i]), Float.floatToRawIntBits(actual[i]), "element " + i);
    }
  }

  @Test
  void readsTheModelTransformersSaved() throws IOException, URISyntaxException {
    Path dir = Path.of(HfDirectoryTest.class.getResource("/peft/llama-tiny").toURI());
    try (HfDirectory hf = HfDirectory.open(dir)) {
      assertEquals("llama", hf.modelType());
      assertEquals(2 + 2 * 9 + 1, hf.tensorNames().size()); // embed, norm, lm_head; 9 per layer
      assertArrayEquals(new int[] {16, 32}, hf.shape("model.layers.1.self_attn.k_proj.weight")); // 2 kv heads of 8
      assertArrayEquals(new int[] {128, 32}, hf.shape("lm_head.weight"));
      assertEquals(List.of(), hf.tokenizerFiles());
    }
  }

  @Test
  void listsTheTokenizerFilesPresent() throws IOException {
    Path dir = singleFileModel(weights());
    Files.writeString(dir.resolve("tokenizer.json"), "{}");
    Files.writeString(dir.resolve("tokenizer_config.json"), "{}");
    try (HfDirectory hf = HfDirectory.open(dir)) {
      assertEquals(dir, hf.tokenizerDir());
      assertEquals(List.of(dir.resolve("tokenizer.json"), dir.resolve("tokenizer_config.json")), hf.tokenizerFiles());
    }
  }

  // ---- errors: each is one line naming the file and what to do

  @Test
  void aConfigOfALargerModelThanTheWeightsIsRefusedBeforeItIsAllocated() throws IOException {
    // 2M layers or a 2^31-row embedding: the model was allocated first and the load ended in OutOfMemoryError
    String[][] cases = {{"llama/tiny-llama", "\"num_hidden_layers\": 2", "\"num_hidden_layers\": 2000000"},
                        {"gpt2/tiny", "\"n_layer\": 2", "\"n_layer\": 1000000"}};
    for (String[] c : cases) {
      Path src = Path.of("src/test/resources", c[0]);
      Path dir = Files.createDirectories(tmp.resolve(c[0]));
      Files.copy(src.resolve("model.safetensors"), dir.resolve("model.safetensors"));
      String config = Files.readString(src.resolve("config.json"));
      assertTrue(config.contains(c[1]), c[1]);
      Files.writeString(dir.resolve("config.json"), config.replace(c[1], c[2]));
      IOException e = assertTimeoutPreemptively(java.time.Duration.ofSeconds(20), () -> assertThrows(IOException.class,
          () -> { if (c[0].startsWith("gpt2")) Gpt2.load(dir); else HfLlama.load(dir); }));
      assertContains(e.getMessage(), dir.resolve("config.json").toString(), "parameters", "do not belong together");
    }
  }

  private static String openFails(Path dir) {
    Exception e = assertThrows(Exception.class, () -> HfDirectory.open(dir).close());
    assertFalse(e.getMessage().contains("\n"), e.getMessage());
    return e.getMessage();
  }

  private static void assertContains(String message, String... parts) {
    for (String part : parts) assertTrue(message.contains(part), "'" + part + "' not in: " + message);
  }

  @Test
  void aMissingOrWrongDirectoryIsNamed() throws IOException {
    assertContains(openFails(tmp.resolve("nope")), "nope", "no such directory");
    Path file = Files.writeString(tmp.resolve("config.json"), CONFIG);
    assertContains(openFails(file), "not a directory");
    Path empty = Files.createDirectories(tmp.resolve("empty"));
    assertContains(openFails(empty), "config.json", "missing");
  }

  @Test
  void malformedConfigNamesTheFileLineAndColumn() throws IOException {
    Path dir = singleFileModel(weights());
    Files.writeString(dir.resolve("config.json"), "{\n  \"model_type\": \"llama\",\n  \"hidden_size\" 4\n}");
    assertContains(openFails(dir), dir.resolve("config.json").toString(), "not valid JSON at line 3, column");
    Files.writeString(dir.resolve("config.json"), "[1, 2]");
    assertContains(openFails(dir), "config.json", "expected a JSON object");
    Files.writeString(dir.resolve("config.json"), "{\"a\": 1, \"a\": 2}");
    assertContains(openFails(dir), "config.json", "not valid JSON", "key 'a' appears twice");
    Files.write(dir.resolve("config.json"), new byte[] {'{', (byte) 0xff, '}'});   // was the bare "Input length = 1"
    assertContains(openFails(dir), dir.resolve("config.json").toString(), "not UTF-8");
  }

  @Test
  void aConfigWithoutModelTypeIsReportedWhenAsked() throws IOException {
    Path dir = singleFileModel(weights());
    Files.writeString(dir.resolve("config.json"), "{\"hidden_size\": 4}");
    try (HfDirectory hf = HfDirectory.open(dir)) {
      IOException e = assertThrows(IOException.class, hf::modelType);
      assertContains(e.getMessage(), "config.json", "model_type");
    }
  }

  @Test
  void noWeightsSaysWhichFilesWereLookedFor() throws IOException {
    Path dir = Files.createDirectories(tmp.resolve("m"));
    Files.writeString(dir.resolve("config.json"), CONFIG);
    assertContains(openFails(dir), "model.safetensors and model.safetensors.index.json");
    Files.write(dir.resolve("pytorch_model.bin"), new byte[8]);
    assertContains(openFails(dir), "pytorch_model.bin", "not supported", "save_pretrained", "safe_serialization=True");
  }

  @Test
  void aMissingShardNamesTheIndexTheShardAndATensor() throws IOException {
    Path dir = shardedModel(weights());
    Files.delete(dir.resolve("model-00002-of-00002.safetensors"));
    assertContains(openFails(dir), "model.safetensors.index.json", "model-00002-of-00002.safetensors",
        "model.layers.0.self_attn.k_proj.weight");
  }

  @Test
  void aTensorMissingFromItsShardIsAnError() throws IOException {
    Path dir = shardedModel(weights());
    Path index = dir.resolve("model.safetensors.index.json");
    // the index puts lm_head in the first shard, which holds only the first two tensors
    Files.writeString(index, Files.readString(index).replace(
        "\"lm_head.weight\":\"model-00002-of-00002.safetensors\"", "\"lm_head.weight\":\"model-00001-of-00002.safetensors\""));
    assertContains(openFails(dir), "model.safetensors.index.json", "lm_head.weight", "model-00001-of-00002.safetensors",
        "does not hold it");
  }

  @Test
  void aMalformedIndexIsNamed() throws IOException {
    Path dir = shardedModel(weights());
    Path index = dir.resolve("model.safetensors.index.json");
    Files.writeString(index, "{\"metadata\": {}}");
    assertContains(openFails(dir), "model.safetensors.index.json", "weight_map");
    Files.writeString(index, "{\"weight_map\": {\"x\": \"../model-00001-of-00002.safetensors\"}}");
    assertContains(openFails(dir), "model.safetensors.index.json", "'x'", "a file name in the index's own directory");
    Files.writeString(index, "{\"weight_map\": {\"x\": 3}}");
    assertContains(openFails(dir), "model.safetensors.index.json", "'x'");
    Files.writeString(index, "{\"weight_map\": {\"x\": ");
    assertContains(openFails(dir), "model.safetensors.index.json", "not valid JSON at line 1");
  }

  @Test
  void anUnknownTensorNameListsSomeKnownOnes() throws IOException {
    try (HfDirectory hf = HfDirectory.open(singleFileModel(weights()))) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> hf.tensor("model.layers.9.mlp.up_proj.weight"));
      assertContains(e.getMessage(), "model.layers.9.mlp.up_proj.weight", "4 tensors", "model.embed_tokens.weight");
      assertEquals(Set.copyOf(weights().keySet()), hf.tensorNames());
    }
  }
}
