package org.jlora.examples.gpt;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.FiniteWeights;
import org.jlora.examples.data.CharTokenizer;
import org.jlora.examples.train.TrainerState;
import org.jlora.lora.io.AtomicDirectories;
import org.jlora.lora.io.SafeTensors;

/**
 * A checkpoint of the small GPT: {@code config.json} (the {@link GptConfig}), {@code model.safetensors}
 * (weights by GPT-2 name), {@code tokenizer.json}, and, to resume training, {@code optimizer.safetensors}
 * (AdamW moments by parameter name) and {@code trainer.json} ({@link TrainerState}).
 *
 * <p>Written atomically as a whole by {@link AtomicDirectories}: a crash leaves the old or the new
 * checkpoint, never a mix, and the temporary left by a killed save is removed by the next one.
 * Only a checkpoint is ever replaced: a file, the current directory or a directory holding anything
 * but these five files is refused, so a wrong {@code --out} never deletes a user's files. Weights
 * that are not finite are neither saved nor loaded ({@link FiniteWeights}).
 */
public final class Checkpoint {
  public static final String CONFIG = "config.json";
  public static final String MODEL = "model.safetensors";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String TRAINER = TrainerState.FILE;

  /** Every file a checkpoint directory may hold: what {@link #save} may replace. */
  public static final Set<String> FILES = Set.of(CONFIG, MODEL, TOKENIZER, OPTIMIZER, TRAINER);

  private static final String WHAT = "checkpoint directory";

  private Checkpoint() {}

  /** A model with its tokenizer, as loaded. */
  public record Loaded(Gpt model, CharTokenizer tokenizer) {}

  /**
   * Refuses, before any training, an output path {@link #save} would not replace: call it first
   * so a wrong {@code --out} fails at once rather than after the run.
   */
  public static void checkWritable(Path dir) throws IOException {
    AtomicDirectories.checkReplaceable(dir, dir.toAbsolutePath().normalize(), WHAT, FILES);
  }

  /** Whether {@code dir} holds a checkpoint's weights (after putting back one a killed save had set aside). */
  public static boolean exists(Path dir) throws IOException {
    AtomicDirectories.recover(dir);
    return Files.isRegularFile(dir.resolve(MODEL));
  }

  /** Saves the model, its tokenizer and, when {@code trainer} is not null, what resuming needs. */
  public static void save(Path dir, Gpt model, CharTokenizer tokenizer, Trainer trainer) throws IOException {
    if (trainer != null) trainer.syncToHost();   // weights and moments a device step holds come back first
    if (tokenizer.vocabSize() != model.config().vocabSize()) {
      throw new IllegalArgumentException("Checkpoint.save: tokenizer has " + tokenizer.vocabSize()
          + " symbols but the model's vocabulary is " + model.config().vocabSize());
    }
    Map<String, Tensor> weights = model.stateDict();
    String nonFinite = FiniteWeights.describeFirst(weights);
    if (nonFinite != null) {
      throw new IllegalStateException("not saving " + dir + ": the model's " + nonFinite + "; the run diverged: lower "
          + "--lr or check the data");
    }
    removeLegacyTemporaries(dir);
    AtomicDirectories.replace(dir, WHAT, FILES, tmp -> {
      model.config().save(tmp.resolve(CONFIG));
      SafeTensors.write(tmp.resolve(MODEL), weights, Map.of("format", "pt"));
      tokenizer.save(tmp.resolve(TOKENIZER));
      if (trainer != null) {
        SafeTensors.write(tmp.resolve(OPTIMIZER), trainer.optimizer().stateDict(model.namedParameters()));
        TrainerState.of(trainer, null, null).write(tmp);   // every weight is saved: nothing frozen to check
      }
    });
  }

  /** Loads config, weights and tokenizer; errors name the directory and what is wrong or missing. */
  public static Loaded load(Path dir) throws IOException {
    AtomicDirectories.recover(dir);   // a save killed between its two renames left the old checkpoint aside
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "no checkpoint directory here; make one with `jlora pretrain "
          + "--out " + dir + "`");
    }
    GptConfig cfg = GptConfig.load(dir.resolve(CONFIG));
    CharTokenizer tok = CharTokenizer.load(dir.resolve(TOKENIZER));
    if (tok.vocabSize() != cfg.vocabSize()) {
      throw new IllegalArgumentException(dir + ": the tokenizer has " + tok.vocabSize() + " symbols but "
          + CONFIG + " says vocab_size " + cfg.vocabSize());
    }
    Gpt model = new Gpt(cfg, 0L);
    Path weights = dir.resolve(MODEL);
    if (!Files.exists(weights)) throw new NoSuchFileException(weights.toString(), null, "the checkpoint has no weights");
    Map<String, Tensor> state = SafeTensors.readAll(weights);
    FiniteWeights.require(state, weights.toString());
    try {
      model.loadStateDict(state, true);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(weights + " does not fit " + CONFIG + ": " + e.getMessage(), e);
    }
    return new Loaded(model, tok);
  }

  /**
   * Puts {@code trainer} (built on the checkpoint's model with the same settings) where the
   * checkpoint left off: steps done, optimizer moments, loss curves.
   */
  public static void resume(Path dir, Trainer trainer) throws IOException {
    TrainerState state = TrainerState.read(dir);
    state.checkMatches(trainer, null, null, dir);
    Path optimizer = dir.resolve(OPTIMIZER);
    if (!Files.isRegularFile(optimizer)) {
      throw new NoSuchFileException(optimizer.toString(), null, "the checkpoint has no optimizer state; it cannot be "
          + "resumed: start a new run");
    }
    Map<String, Tensor> moments = SafeTensors.readAll(optimizer);
    FiniteWeights.require(moments, optimizer.toString());
    state.restoreInto(trainer, moments, optimizer.toString());
  }

  /**
   * Removes what a save by earlier versions left when killed: sibling directories
   * {@code <name>.tmp-<digits>} and {@code <name>.old-<digits>} that hold only checkpoint files.
   * Anything else of that name is left alone.
   */
  private static void removeLegacyTemporaries(Path dir) throws IOException {
    Path abs = dir.toAbsolutePath().normalize();
    Path parent = abs.getParent();
    if (parent == null || !Files.isDirectory(parent)) return;
    String name = abs.getFileName().toString();
    try (DirectoryStream<Path> siblings = Files.newDirectoryStream(parent,
        p -> p.getFileName().toString().matches(java.util.regex.Pattern.quote(name) + "\\.(tmp|old)-\\d+"))) {
      for (Path stale : siblings) {
        try {
          AtomicDirectories.checkReplaceable(stale, stale, WHAT, FILES);
        } catch (IllegalArgumentException notOurs) {
          continue;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(stale)) {
          for (Path f : files) Files.delete(f);
        }
        Files.delete(stale);
      }
    }
  }
}
