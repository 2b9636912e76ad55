package org.jlora.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.jlora.examples.checkpoint.Pretrained;
import org.jlora.examples.dataset.FineTuneData;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import org.jlora.lora.ReadmeSnippets;
import org.jlora.lora.io.SafeTensors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The README's "jlora as a library" example fine-tunes a Hugging Face model directory, and the
 * snippet is this test's code, line for line. The directory is stories260K exported by jlora.
 */
class ReadmeFinetuneSnippetTest {
  private static final Path README = Path.of("../README.md");
  private static final String MARKER = "<!-- snippet: finetune -->";
  private static final Path SELF = Path.of("src/test/java/org/jlora/examples/ReadmeFinetuneSnippetTest.java");
  private static final Path STORIES = Path.of("../../shared/models/stories260K.bin");
  private static final Path DEVIL = Path.of("../../shared/data/devils-dictionary.txt");

  @Test
  void fineTunesAHuggingFaceDirectory(@TempDir Path tmp) throws IOException {
    assumeTrue(Files.exists(STORIES) && Files.exists(DEVIL), "stories260K and the Devil's Dictionary are shared data");
    Path modelDir = tmp.resolve("stories260K-hf");
    Pretrained bin = Pretrained.load(STORIES, null);
    bin.save(bin.model(), modelDir, Pretrained.Format.HUGGING_FACE);   // a Hugging Face directory to start from
    Path textFile = DEVIL;
    Path adapterDir = tmp.resolve("my-adapter");

    // snippet:start
    Pretrained base = Pretrained.load(modelDir, null);              // config.json, safetensors, tokenizer.json
    LoraConfig cfg = LoraConfig.builder().r(8).loraAlpha(16).targetModules("q_proj", "v_proj").build();
    LoraModel lora = LoraModel.inject(base.model(), cfg);           // only lora_A and lora_B train
    FineTuneData data = FineTuneData.load(textFile, base.tokenizer(), null, FineTuneData.Options.builder().build());
    TrainConfig train = TrainConfig.builder().steps(20).batchSize(4).contextLength(128).lr(1e-2f).build();
    TrainResult result = new Trainer(base.model(), train, data.train(), data.validation()).run();
    PeftAdapters.save(lora, "default", adapterDir);                 // PeftModel.from_pretrained reads it
    // snippet:end

    double[] losses = result.trainCurve()[1];
    assertTrue(result.finalValLoss() < losses[0] - 0.3, "the loss fell: " + losses[0] + " -> " + result.finalValLoss());
    assertTrue(SafeTensors.readAll(adapterDir.resolve(PeftAdapters.WEIGHTS_FILE)).containsKey(
        "base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight"));
  }

  @Test
  void theReadmeShowsExactlyThisCode() throws IOException {
    assertEquals(ReadmeSnippets.inTest(SELF, "// snippet:start", "// snippet:end"), ReadmeSnippets.inReadme(README, MARKER));
  }
}
