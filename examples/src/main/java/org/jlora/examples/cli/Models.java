package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.jlora.examples.checkpoint.BaseDType;
import org.jlora.examples.checkpoint.Pretrained;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.tokenize.Tokenizer;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;

/** Opening a model (any format {@link Pretrained} reads), and an adapter onto it, with errors that say what to do. */
final class Models {
  private Models() {}

  /** A model with its tokenizer, and the adapter applied to it (null when none was given). */
  record Loaded(Pretrained pretrained, LoraModel adapter) {
    LanguageModel model() {
      return pretrained.model();
    }

    Tokenizer tokenizer() {
      return pretrained.tokenizer();
    }
  }

  /** The model at {@code path} ({@code tokenizer} overrides the one found with it when not null). */
  static Pretrained open(Path path, Path tokenizer, BaseDType dtype) {
    try {
      return Pretrained.load(path, tokenizer, dtype);
    } catch (NoSuchFileException e) {
      String reason = e.getReason() != null ? e.getReason() : "no such file";
      String hint = path.toString().equals(".jlora/base")
          ? "; make the toy model with `jlora pretrain`, or give --model PATH" : "";
      throw new IllegalArgumentException("no model: " + e.getFile() + ": " + reason + hint, e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * {@link #open(Path, Path, BaseDType)}, then the PEFT adapter in {@code adapterDir} (if not null),
   * merged when asked (a merge writes the base weights, so they load in f32 then).
   */
  static Loaded open(Path path, Path tokenizer, Path adapterDir, boolean merge, BaseDType dtype) {
    boolean writesBase = merge && adapterDir != null;
    Pretrained p = open(path, tokenizer, writesBase ? dtype.forWrittenWeights("merging writes the adapter into them") : dtype);
    if (adapterDir == null) return new Loaded(p, null);
    if (!Files.exists(adapterDir.resolve(PeftAdapters.CONFIG_FILE))) {
      throw new IllegalArgumentException("no adapter at " + adapterDir + " (missing " + PeftAdapters.CONFIG_FILE
          + "); make one with `jlora finetune --method lora --out " + adapterDir + "`");
    }
    LoraConfig cfg;
    try {
      cfg = PeftAdapters.readConfig(adapterDir);   // a malformed file is named here, not blamed on the model
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException(e.getFile() + ": " + e.getReason(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    LoraModel lm;
    try {
      lm = LoraModel.inject(p.model(), cfg, "default");
      lm.deleteAdapter("default");
      PeftAdapters.load(lm, adapterDir, "default", true);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("the adapter in " + adapterDir + " does not fit the model " + path + " ("
          + p.model().architecture() + "): " + e.getMessage() + "; use the base model it was trained on", e);
    }
    if (merge) {
      lm.mergeAndUnload();
      return new Loaded(p, null);
    }
    return new Loaded(p, lm);
  }
}
