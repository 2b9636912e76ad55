package org.jlora.lora;

import static org.jlora.lora.LoraTesting.assertBitIdentical;
import static org.jlora.lora.LoraTesting.assertClose;
import static org.jlora.lora.LoraTesting.maxRelDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.jlora.engine.Tensor;
import org.jlora.lora.io.SafeTensors;
import org.jlora.lora.io.SafeTensorsFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Adapters on disk in PEFT's format: round trip, key names and shapes, MergedLinear export, errors. */
class PeftAdaptersTest {
  @TempDir
  Path tmp;

  private static LoraConfig.Builder cfg(String... targets) {
    return LoraConfig.builder().r(2).loraAlpha(4).targetModules(targets).initLoraWeights(InitLoraWeights.RANDOM)
        .seed(3);
  }

  private static Map<String, int[]> shapesIn(Path file) throws IOException {
    Map<String, int[]> out = new LinkedHashMap<>();
    SafeTensors.readAll(file).forEach((k, v) -> out.put(k, v.shape()));
    return out;
  }

  @Test
  void saveThenLoadIntoAFreshBaseGivesBitIdenticalOutputs() throws IOException {
    TinyModel m = new TinyModel(10);
    LoraModel lm = LoraModel.inject(m, cfg("emb", "fc1", "c_attn", "conv").build());
    Tensor out = m.outputs();
    PeftAdapters.save(lm, "default", tmp);
    TinyModel fresh = new TinyModel(10);
    assertTrue(maxRelDiff(fresh.outputs(), out) > 1e-3, "the adapter matters");
    LoraModel loaded = PeftAdapters.fromPretrained(fresh, tmp);
    assertBitIdentical(out, fresh.outputs(), "outputs after save -> load");
    assertEquals(List.of("emb", "fc1", "block.c_attn", "conv"), List.copyOf(loaded.loraLayers().keySet()));
  }

  @Test
  void filesUsePeftKeyNamesAndShapes() throws IOException {
    TinyModel m = new TinyModel(11);
    LoraModel lm = LoraModel.inject(m, cfg("emb", "fc1", "conv").build());
    PeftAdapters.save(lm, "default", tmp);
    Map<String, int[]> shapes = shapesIn(tmp.resolve(PeftAdapters.WEIGHTS_FILE));
    Map<String, int[]> expected = new LinkedHashMap<>();
    expected.put("base_model.model.emb.lora_embedding_A", new int[] {2, 10});   // [r, vocab]
    expected.put("base_model.model.emb.lora_embedding_B", new int[] {6, 2});    // [dim, r]
    expected.put("base_model.model.fc1.lora_A.weight", new int[] {2, 6});       // [r, in]
    expected.put("base_model.model.fc1.lora_B.weight", new int[] {8, 2});       // [out, r]
    expected.put("base_model.model.conv.lora_A.weight", new int[] {2, 2, 3, 3}); // [r, in, kh, kw]
    expected.put("base_model.model.conv.lora_B.weight", new int[] {4, 2, 1, 1}); // [out, r, 1, 1]
    assertEquals(expected.keySet(), shapes.keySet());
    expected.forEach((k, s) -> assertArrayEquals(s, shapes.get(k), k));
    JsonNode json = new ObjectMapper().readTree(tmp.resolve(PeftAdapters.CONFIG_FILE).toFile());
    assertEquals("LORA", json.get("peft_type").asText());
    assertEquals(2, json.get("r").asInt());
    assertEquals(4.0, json.get("lora_alpha").asDouble());
    assertEquals("[\"emb\",\"fc1\",\"conv\"]", json.get("target_modules").toString());
    try (SafeTensorsFile f = SafeTensors.open(tmp.resolve(PeftAdapters.WEIGHTS_FILE))) {
      assertEquals("pt", f.metadata().get("format"));
    }
  }

  @Test
  void mergedLinearExportLoadsAsAPlainLoraOfRankRTimesNOn() throws IOException {
    for (boolean rslora : new boolean[] {false, true}) {
      Path dir = tmp.resolve("rslora-" + rslora);
      TinyModel m = new TinyModel(12);
      LoraModel lm = LoraModel.inject(m, cfg("c_attn").enableLora(true, false, true).useRslora(rslora).build());
      assertInstanceOf(MergedLinear.class, m.block.get().cAttn.get());
      Tensor out = m.outputs();
      PeftAdapters.save(lm, "default", dir);

      // what PEFT sees: adapter_config.json alone, no enable_lora
      LoraConfig asPeft = LoraConfig.fromPeftJson(Files.readString(dir.resolve(PeftAdapters.CONFIG_FILE)), "peft");
      assertNull(asPeft.enableLora());
      assertEquals(4, asPeft.rankFor("block.c_attn"));
      TinyModel plain = new TinyModel(12);
      LoraModel plainLm = LoraModel.inject(plain, asPeft);
      assertInstanceOf(LoraLinear.class, plain.block.get().cAttn.get());
      assertArrayEquals(new int[] {12, 4}, shapesIn(dir.resolve(PeftAdapters.WEIGHTS_FILE))
          .get("base_model.model.block.c_attn.lora_B.weight"));
      assertTrue(PeftAdapters.load(plainLm, dir, "default", true).clean());
      assertClose(out, plain.outputs(), 1e-5, "plain LoRA of rank r·n_on, rslora=" + rslora);

      // jlora reads the mask back from the metadata and rebuilds the MergedLinear exactly
      TinyModel again = new TinyModel(12);
      PeftAdapters.fromPretrained(again, dir);
      MergedLinear ml = assertInstanceOf(MergedLinear.class, again.block.get().cAttn.get());
      assertEquals(2, ml.adapter("default").r());
      assertBitIdentical(out, again.outputs(), "MergedLinear round trip, rslora=" + rslora);
    }
  }

  @Test
  void missingAndUnexpectedKeysAreReported() throws IOException {
    TinyModel m = new TinyModel(13);
    PeftAdapters.save(LoraModel.inject(m, cfg("fc1", "c_attn").build()), "default", tmp);
    Tensor savedA = ((LoraLayer) m.fc1.get()).adapter("default").a().value();
    TinyModel other = new TinyModel(13);
    LoraModel lm = LoraModel.inject(other, cfg("fc1", "c_proj").seed(9).build());
    PeftAdapters.LoadReport report = PeftAdapters.load(lm, tmp, "default", false);
    assertEquals(List.of("base_model.model.block.c_proj.lora_A.weight", "base_model.model.block.c_proj.lora_B.weight"),
        report.missingKeys());
    assertEquals(List.of("base_model.model.block.c_attn.lora_A.weight", "base_model.model.block.c_attn.lora_B.weight"),
        report.unexpectedKeys());
    assertBitIdentical(savedA, ((LoraLayer) other.fc1.get()).adapter("default").a().value(), "fc1 still loads");

    TinyModel strictModel = new TinyModel(13);
    LoraModel strictLm = LoraModel.inject(strictModel, cfg("fc1", "c_proj").seed(9).build());
    Tensor before = ((LoraLayer) strictModel.fc1.get()).adapter("default").a().value().copy();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PeftAdapters.load(strictLm, tmp, "default", true));
    assertTrue(e.getMessage().contains("missing keys [base_model.model.block.c_proj.lora_A.weight")
        && e.getMessage().contains("unexpected keys [base_model.model.block.c_attn.lora_A.weight"), e.getMessage());
    assertBitIdentical(before, ((LoraLayer) strictModel.fc1.get()).adapter("default").a().value(),
        "a refused strict load copies nothing");
  }

  @Test
  void aWrongRankIsAClearErrorNamingTheKeyAndCopiesNothing() throws IOException {
    TinyModel m = new TinyModel(14);
    PeftAdapters.save(LoraModel.inject(m, cfg("emb", "fc1").build()), "default", tmp);
    TinyModel other = new TinyModel(14);
    LoraModel lm = LoraModel.inject(other, cfg("emb", "fc1").r(3).build());
    Tensor embA = ((LoraLayer) other.emb.get()).adapter("default").a().value().copy();
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PeftAdapters.load(lm, tmp, "default", false));
    assertTrue(e.getMessage().contains("base_model.model.emb.lora_embedding_A") && e.getMessage().contains("[2, 10]")
        && e.getMessage().contains("[3, 10]"), e.getMessage());
    assertBitIdentical(embA, ((LoraLayer) other.emb.get()).adapter("default").a().value(), "nothing copied");
  }

  @Test
  void loadingIntoAMergedModelIsRefused() throws IOException {
    TinyModel m = new TinyModel(15);
    LoraModel lm = LoraModel.inject(m, cfg("fc1").mergeWeights(true).build());
    PeftAdapters.save(lm, "default", tmp);
    m.eval();
    Tensor w = m.fc1.get().weight().value().copy();
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> PeftAdapters.load(lm, tmp, "default", true));
    assertTrue(e.getMessage().contains("layer 'fc1'") && e.getMessage().contains("merged"), e.getMessage());
    assertBitIdentical(w, m.fc1.get().weight().value(), "W untouched");
    m.train();
    assertTrue(PeftAdapters.load(lm, tmp, "default", true).clean());
  }

  @Test
  void writesAreAtomicAndLeaveNoTemporaryFiles() throws IOException {
    TinyModel m = new TinyModel(16);
    LoraModel lm = LoraModel.inject(m, cfg("fc1").build());
    PeftAdapters.save(lm, "default", tmp);
    assertEquals(List.of(PeftAdapters.CONFIG_FILE, PeftAdapters.WEIGHTS_FILE), list(tmp));
    // the config's path is now a directory: not something an adapter directory holds, so the
    // save is refused before anything is written, and the directory stays as it was
    Files.delete(tmp.resolve(PeftAdapters.CONFIG_FILE));
    Files.createDirectories(tmp.resolve(PeftAdapters.CONFIG_FILE).resolve("blocker"));
    assertThrows(IllegalArgumentException.class, () -> PeftAdapters.save(lm, "default", tmp));
    assertEquals(List.of(PeftAdapters.CONFIG_FILE, PeftAdapters.WEIGHTS_FILE), list(tmp), "no temporary file left");
    assertEquals(2, SafeTensors.readAll(tmp.resolve(PeftAdapters.WEIGHTS_FILE)).size(), "weights file complete");
  }

  @Test
  void savingNeverDeletesAUsersFiles() throws IOException {
    LoraModel lm = LoraModel.inject(new TinyModel(16), cfg("fc1").build());
    Path out = tmp.resolve("adapter");
    Files.createDirectories(out);
    Files.writeString(out.resolve("notes.txt"), "mine");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeftAdapters.save(lm, "default", out));
    assertTrue(e.getMessage().contains("notes.txt"), e.getMessage());
    assertEquals(List.of("notes.txt"), list(out));
    Files.delete(out.resolve("notes.txt"));
    PeftAdapters.save(lm, "default", out);   // an empty directory is fine
    PeftAdapters.save(lm, "default", out);   // and so is replacing our own adapter
    assertEquals(List.of(PeftAdapters.CONFIG_FILE, PeftAdapters.WEIGHTS_FILE), list(out));
  }

  @Test
  void aNonFiniteAdapterIsNeverWritten() throws IOException {
    LoraModel lm = LoraModel.inject(new TinyModel(16), cfg("fc1").build());
    lm.loraLayers().values().iterator().next().adapter("default").b().value().data()[3] = Float.NaN;
    Path out = tmp.resolve("adapter");
    IllegalStateException e = assertThrows(IllegalStateException.class, () -> PeftAdapters.save(lm, "default", out));
    assertTrue(e.getMessage().contains("lora_B") && e.getMessage().contains("NaN"), e.getMessage());
    assertFalse(Files.exists(out));
  }

  @Test
  void aMissingWeightsFileIsNamed() throws IOException {
    LoraModel lm = LoraModel.inject(new TinyModel(16), cfg("fc1").build());
    PeftAdapters.save(lm, "default", tmp);
    Files.delete(tmp.resolve(PeftAdapters.WEIGHTS_FILE));
    IOException e = assertThrows(IOException.class, () -> PeftAdapters.readConfig(tmp));
    assertTrue(e.getMessage().contains(PeftAdapters.WEIGHTS_FILE) && e.getMessage().contains("missing"), e.getMessage());
  }

  @Test
  void aMergedLinearMaskWithNoSliceOnIsRefusedByItsKey() throws IOException {
    // found while writing the fuzz target: the rank_pattern entry was divided by the mask's 0 enabled slices
    Files.writeString(tmp.resolve(PeftAdapters.CONFIG_FILE), "{\"target_modules\": [\"p\"], \"rank_pattern\": {\"p\": 4}}");
    SafeTensors.write(tmp.resolve(PeftAdapters.WEIGHTS_FILE), Map.of("x", Tensor.ones(1)),
        Map.of(PeftAdapters.MASK_KEY + "p", "[false, false]"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PeftAdapters.readConfig(tmp));
    assertTrue(e.getMessage().contains(PeftAdapters.MASK_KEY + "p") && e.getMessage().contains("enables no slice"),
        e.getMessage());
  }

  @Test
  void aConfigThatIsNotUtf8IsNamed() throws IOException {
    LoraModel lm = LoraModel.inject(new TinyModel(16), cfg("fc1").build());
    PeftAdapters.save(lm, "default", tmp);
    Files.write(tmp.resolve(PeftAdapters.CONFIG_FILE), new byte[] {'{', (byte) 0xfe, '}'});   // was "Input length = 1"
    IOException e = assertThrows(IOException.class, () -> PeftAdapters.readConfig(tmp));
    assertTrue(e.getMessage().contains(PeftAdapters.CONFIG_FILE) && e.getMessage().contains("not UTF-8"), e.getMessage());
  }

  private static List<String> list(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }
}
