package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jlora.examples.gpt.Checkpoint;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;

/** Loading a checkpoint, and an adapter onto it, with errors that say what to do. */
final class Models {
  private Models() {}

  /** The checkpoint in {@code dir}, plus the PEFT adapter in {@code adapterDir} when it is not null. */
  static Checkpoint.Loaded load(Path dir, Path adapterDir, boolean merge) {
    Checkpoint.Loaded loaded;
    try {
      loaded = Checkpoint.load(dir);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("no checkpoint: " + e.getMessage());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    if (adapterDir == null) return loaded;
    if (!Files.exists(adapterDir.resolve(PeftAdapters.CONFIG_FILE))) {
      throw new IllegalArgumentException("no adapter at " + adapterDir + " (missing " + PeftAdapters.CONFIG_FILE
          + "); make one with `jlora finetune --method lora --out " + adapterDir + "`");
    }
    try {
      LoraConfig cfg = PeftAdapters.readConfig(adapterDir);
      LoraModel lm = LoraModel.inject(loaded.model(), cfg, "default");
      lm.deleteAdapter("default");
      PeftAdapters.load(lm, adapterDir, "default", true);
      if (merge) return new Checkpoint.Loaded((org.jlora.examples.gpt.Gpt) lm.mergeAndUnload(), loaded.tokenizer());
      return loaded;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("the adapter in " + adapterDir + " does not fit the checkpoint in " + dir + " ("
          + loaded.model().config() + "): " + e.getMessage() + "; use the base model it was trained on", e);
    }
  }
}
