package org.jlora.examples.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.autograd.NoGrad;
import org.jlora.examples.checkpoint.BaseDType;
import org.jlora.examples.checkpoint.Pretrained;
import org.jlora.examples.model.LanguageModel;
import org.jlora.lora.PeftAdapters;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real-model commands on stories260K (beside the project, as in CI) against goldens that
 * transformers 5 and PEFT 0.21 computed on the same model exported by jlora
 * ({@code examples/src/test/python/make_cli_goldens.py}).
 */
class RealModelCliTest {
  static final Path STORIES = Path.of("../../shared/models/stories260K.bin");
  static final Path DEVIL = Path.of("../../shared/data/devils-dictionary.txt");
  static final Path RES = Path.of("src/test/resources/cli");
  static JsonNode goldens;

  @BeforeAll
  static void needsTheModel() throws IOException {
    assumeTrue(Files.exists(STORIES), "stories260K.bin is not at " + STORIES.toAbsolutePath() + " (shared data)");
    goldens = new ObjectMapper().readTree(RES.resolve("goldens.json").toFile());
  }

  private static JsonNode json(CliTest.Run r) throws IOException {
    assertEquals(0, r.code(), r.err());
    String[] lines = r.out().strip().split("\n");
    return new ObjectMapper().readTree(lines[lines.length - 1]);
  }

  @Test
  void tokenizeGivesAutoTokenizersIds() throws IOException {
    JsonNode g = goldens.get("tokenize");
    JsonNode out = json(CliTest.run("tokenize", "--model", STORIES.toString(), "--text", g.get("text").asText(), "--json"));
    assertEquals(g.get("ids"), out.get("ids"));
  }

  @Test
  void evalGivesTransformersPooledLoss() throws IOException {
    JsonNode g = goldens.get("eval");
    JsonNode out = json(CliTest.run("eval", "--model", STORIES.toString(), "--data", RES.resolve("eval-lines.txt").toString(),
        "--json"));
    assertEquals(g.get("tokens").asLong(), out.get("tokens").asLong());
    double want = g.get("loss").asDouble();
    assertEquals(want, out.get("loss").asDouble(), 1e-5 * want, "jlora eval vs model(ids, labels=ids).loss pooled");
  }

  @Test
  void anAdapterJloraTrainedGivesPeftsLogits() throws IOException {
    JsonNode g = goldens.get("adapter");
    Models.Loaded loaded = Models.open(STORIES, null, RES.resolve(g.get("dir").asText()), false, BaseDType.F32);
    int[] ids = new ObjectMapper().convertValue(g.get("input_ids"), int[].class);
    float[] got = logits(loaded.model(), ids);
    double max = 0, scale = 0;
    int v = loaded.model().vocabSize();
    for (int t = 0; t < ids.length; t++) {
      for (int j = 0; j < v; j++) {
        double want = g.get("logits").get(t).get(j).asDouble();
        max = Math.max(max, Math.abs(want - got[t * v + j]));
        scale = Math.max(scale, Math.abs(want));
      }
    }
    assertTrue(max / scale < 1e-4, "max |jlora - PEFT| / max |logit| = " + max / scale);
  }

  @Test
  void finetuneGenerateMergeRoundTrip(@TempDir Path dir) throws IOException {
    assumeTrue(Files.exists(DEVIL), "the Devil's Dictionary is not at " + DEVIL.toAbsolutePath());
    Path adapter = dir.resolve("adapter");
    CliTest.Run f = CliTest.run("finetune", "--model", STORIES.toString(), "--data", DEVIL.toString(), "--steps", "3",
        "--batch", "2", "--context", "32", "--targets", "all-linear", "--out", adapter.toString(), "--quiet");
    assertEquals(0, f.code(), f.err());
    JsonNode cfg = new ObjectMapper().readTree(adapter.resolve(PeftAdapters.CONFIG_FILE).toFile());
    assertEquals(7, cfg.get("target_modules").size(), "all-linear: q, k, v, o, gate, up, down; not the head");

    JsonNode gen = json(CliTest.run("generate", "--model", STORIES.toString(), "--adapter", adapter.toString(),
        "--prompt", "Once upon a time", "--max-tokens", "8", "--json"));
    assertTrue(gen.get("tokens").asInt() >= 1, gen.toString());
    JsonNode replayed = json(CliTest.run("generate", "--model", STORIES.toString(), "--adapter", adapter.toString(),
        "--prompt", "Once upon a time", "--max-tokens", "8", "--step-replay", "on", "--json"));
    assertEquals(gen.get("completion"), replayed.get("completion"), "the replayed decode step generates the same text");

    // merged into a llama2.c .bin and into a Hugging Face directory: both compute what the adapter does
    Path bin = dir.resolve("merged.bin");
    Path hf = dir.resolve("merged-hf");
    assertEquals(0, CliTest.run("merge", "--model", STORIES.toString(), "--adapter", adapter.toString(), "--out",
        bin.toString(), "--quiet").code());
    assertEquals(0, CliTest.run("merge", "--model", STORIES.toString(), "--adapter", adapter.toString(), "--out",
        hf.toString(), "--quiet").code());
    int[] ids = {1, 403, 407, 261, 378, 432};
    float[] unmerged = logits(Models.open(STORIES, null, adapter, false, BaseDType.F32).model(), ids);
    assertClose(unmerged, logits(Pretrained.load(bin, STORIES.resolveSibling("tok512.bin")).model(), ids), "merged .bin");
    Pretrained fromHf = Pretrained.load(hf, null);
    assertClose(unmerged, logits(fromHf.model(), ids), "merged Hugging Face directory");
    assertEquals(Pretrained.Format.HUGGING_FACE, fromHf.format());
    assertEquals("[1, 403, 407, 261, 378]", java.util.Arrays.toString(fromHf.tokenizer().encode("Once upon a time", true)),
        "the exported tokenizer.json encodes as the .bin's tokenizer");
  }

  @Test
  void aFinishedRunResumesAsFinishedAndOtherSettingsAreRefused(@TempDir Path dir) throws IOException {
    assumeTrue(Files.exists(DEVIL), "the Devil's Dictionary is not at " + DEVIL.toAbsolutePath());
    String[] run = {"finetune", "--model", STORIES.toString(), "--data", DEVIL.toString(), "--steps", "2", "--batch", "2",
        "--context", "16", "--out", dir.resolve("a").toString(), "--quiet"};
    assertEquals(0, CliTest.run(run).code());
    assertTrue(Files.exists(dir.resolve("a.checkpoint").resolve("trainer.json")), "the finished LoRA run's state is kept");
    String[] again = java.util.Arrays.copyOf(run, run.length + 1);
    again[run.length] = "--resume";
    CliTest.Run resumed = CliTest.run(again);
    assertEquals(0, resumed.code(), resumed.err());
    assertTrue(resumed.err().contains("already finished all 2 steps"), resumed.err());
    String[] other = again.clone();
    other[6] = "3";   // --steps 3: not the run that was saved
    CliTest.Run refused = CliTest.run(other);
    assertEquals(1, refused.code());
    assertTrue(refused.err().contains("other settings") && refused.err().contains("steps 2 (now 3)"), refused.err());
  }

  @Test
  void mistakesAreNamed(@TempDir Path dir) throws IOException {
    CliTest.Run noData = CliTest.run("finetune", "--model", STORIES.toString(), "--out", dir.resolve("a").toString());
    assertEquals(1, noData.code());
    assertTrue(noData.err().contains("give --data FILE"), noData.err());
    CliTest.Run chat = CliTest.run("generate", "--model", STORIES.toString(), "--chat", "--prompt", "hi");
    assertEquals(1, chat.code());
    assertTrue(chat.err().contains("has no chat template"), chat.err());
    Path mine = Files.createDirectories(dir.resolve("mine"));
    Files.writeString(mine.resolve("notes.txt"), "keep me");
    CliTest.Run over = CliTest.run("merge", "--model", STORIES.toString(), "--out", mine.toString());
    assertEquals(1, over.code());
    assertTrue(over.err().contains("notes.txt") && over.err().contains("choose an empty or new"), over.err());
    assertEquals("keep me", Files.readString(mine.resolve("notes.txt")));
    CliTest.Run badAdapter = CliTest.run("eval", "--model", STORIES.toString(), "--adapter", dir.resolve("none").toString(),
        "--data", RES.resolve("eval-lines.txt").toString());
    assertEquals(1, badAdapter.code());
    assertTrue(badAdapter.err().contains("no adapter at"), badAdapter.err());
    for (CliTest.Run r : new CliTest.Run[] {noData, chat, over, badAdapter}) {
      assertTrue(!r.err().matches("(?s).*\\b(java|org)\\.[a-z]+\\..*"), "no class names: " + r.err());
    }
  }

  private static float[] logits(LanguageModel m, int[] ids) {
    m.eval();
    try (NoGrad g = NoGrad.enter()) {
      return m.forward(ids, 1, ids.length).value().toArray();
    }
  }

  private static void assertClose(float[] want, float[] got, String what) {
    double max = 0, scale = 0;
    for (int i = 0; i < want.length; i++) {
      max = Math.max(max, Math.abs(want[i] - got[i]));
      scale = Math.max(scale, Math.abs(want[i]));
    }
    assertTrue(max / scale < 1e-5, what + ": max rel diff " + max / scale);
  }
}
