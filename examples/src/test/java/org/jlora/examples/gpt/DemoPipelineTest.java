package org.jlora.examples.gpt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.examples.ui.Progress;
import org.jlora.lora.PeftAdapters;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The demo end to end on a nano budget (2 layers, 32 dims, a handful of steps): every artefact appears. */
class DemoPipelineTest {
  @Test
  void runsEndToEndAndReusesItsBase(@TempDir Path dir) throws Exception {
    Demo.Options o = Demo.Options.builder().model(GptConfig.named("nano", org.jlora.examples.data.Tasks.tokenizer().vocabSize()))
        .pretrainSteps(6).adaptSteps(4).batch(4).context(16).pretrainLr(5e-3f).rank(4).alpha(8f).evalExamples(5)
        .workDir(dir).mode(Progress.Mode.QUIET).build();
    PrintStream quiet = new PrintStream(OutputStream.nullOutputStream());
    Demo.Report r = Demo.run(o, quiet);
    assertFalse(r.baseReused());
    assertTrue(Files.exists(r.baseDir().resolve(Checkpoint.MODEL)));
    assertTrue(Files.exists(r.adapterDir().resolve(PeftAdapters.WEIGHTS_FILE)));
    assertTrue(Files.size(r.plot()) > 1000, "a PNG of the loss curves");
    assertEquals(4, r.lora().result().trainCurve()[1].length);
    assertTrue(r.lora().result().trainableParams() < r.full().result().trainableParams() / 10);
    assertTrue(r.lora().result().optimizerStateBytes() < 0.1 * r.full().result().optimizerStateBytes());
    assertTrue(r.lora().accuracy() >= 0 && r.lora().accuracy() <= 1);
    long modelBytes = 4L * r.full().result().totalParams();
    assertTrue(r.lora().liveHeapBytes() > modelBytes && r.full().liveHeapBytes() > modelBytes,
        "the live heap holds at least the model being trained: " + r.lora().liveHeapBytes() + ", " + r.full().liveHeapBytes());
    assertTrue(r.lora().liveHeapBytes() < 1L << 30, "a nano run holds nowhere near 1 GiB: " + r.lora().liveHeapBytes());
    long peak = r.full().result().peakHeapBytes();
    assertTrue(peak > modelBytes && peak < 1L << 30, "mid-step the live heap holds the model and the graph: " + peak);
    assertTrue(Files.exists(r.adapterDir().resolve(PeftAdapters.CONFIG_FILE)));
    assertEquals(r.baseTaskAccuracyBefore(), r.lora().baseTaskAccuracyAdapterOff(),
        "with its adapter off the LoRA model is the untouched base");
    assertTrue(Double.isNaN(r.full().baseTaskAccuracyAdapterOff()), "full fine-tuning has no adapter to drop");
    Demo.Report again = Demo.run(o, quiet);
    assertTrue(again.baseReused(), "the second run reuses the cached base");
    assertEquals(r.accuracyBefore(), again.accuracyBefore());
  }

  @Test
  void theCachedBaseIsKeyedByEverySettingPretrainingUses(@TempDir Path dir) {
    Demo.Options o = Demo.Options.defaults(dir, Progress.Mode.QUIET);
    String name = Demo.baseName(o);
    assertEquals(name, Demo.baseName(Demo.Options.defaults(dir, Progress.Mode.QUIET)));
    Demo.Options otherLr = o.toBuilder().pretrainLr(2 * o.pretrainLr()).build();
    Demo.Options otherModel = o.toBuilder().model(o.model().withBlockSize(64)).build();
    Demo.Options otherRank = o.toBuilder().rank(2 * o.rank()).build();
    assertNotEquals(name, Demo.baseName(otherLr));
    assertNotEquals(name, Demo.baseName(otherModel));
    assertEquals(name, Demo.baseName(otherRank), "adaptation settings reuse the same base");
  }
}
