package org.jlora.examples.gpt;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.stream.Stream;
import org.jlora.engine.Tensor;
import org.jlora.examples.data.CharTokenizer;
import org.jlora.lora.io.AtomicFiles;
import org.jlora.lora.io.SafeTensors;

/**
 * A model checkpoint directory: {@code config.json} (the {@link GptConfig}), {@code model.safetensors}
 * (weights by GPT-2 name), {@code tokenizer.json}, and, to resume training, {@code optimizer.safetensors}
 * (AdamW moments by parameter name) and {@code trainer.json} (steps done, the run's settings, loss curves).
 *
 * <p>Written atomically as a whole: everything goes to a sibling temporary directory, which then
 * replaces the old checkpoint by a rename, so a crash leaves either the old or the new one.
 */
public final class Checkpoint {
  public static final String CONFIG = "config.json";
  public static final String MODEL = "model.safetensors";
  public static final String TOKENIZER = "tokenizer.json";
  public static final String OPTIMIZER = "optimizer.safetensors";
  public static final String TRAINER = "trainer.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  private Checkpoint() {}

  /** A model with its tokenizer, as loaded. */
  public record Loaded(Gpt model, CharTokenizer tokenizer) {}

  /** Saves the model, its tokenizer and, when {@code trainer} is not null, what resuming needs. */
  public static void save(Path dir, Gpt model, CharTokenizer tokenizer, Trainer trainer) throws IOException {
    if (trainer != null && trainer.usesDeviceStep()) {
      throw new IllegalStateException("Checkpoint: cannot save a resumable checkpoint of a run whose optimizer moments "
          + "live on the device (the tornado device step); save the model or the adapter instead");
    }
    if (tokenizer.vocabSize() != model.config().vocabSize()) {
      throw new IllegalArgumentException("Checkpoint.save: tokenizer has " + tokenizer.vocabSize()
          + " symbols but the model's vocabulary is " + model.config().vocabSize());
    }
    Path parent = dir.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    Path tmp = Files.createTempDirectory(parent, dir.getFileName() + ".tmp-");
    try {
      model.config().save(tmp.resolve(CONFIG));
      SafeTensors.write(tmp.resolve(MODEL), model.stateDict(), Map.of("format", "pt"));
      tokenizer.save(tmp.resolve(TOKENIZER));
      if (trainer != null) {
        SafeTensors.write(tmp.resolve(OPTIMIZER), trainer.optimizer().stateByName(model.namedParameters()));
        AtomicFiles.writeString(tmp.resolve(TRAINER), trainerJson(trainer));
      }
      replace(dir, tmp);
    } finally {
      deleteTree(tmp);
    }
  }

  /** Loads config, weights and tokenizer; errors name the directory and what is wrong or missing. */
  public static Loaded load(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir + " (no checkpoint directory here; make one with `jlora pretrain --out "
          + dir + "`)");
    }
    GptConfig cfg = GptConfig.load(dir.resolve(CONFIG));
    CharTokenizer tok = CharTokenizer.load(dir.resolve(TOKENIZER));
    if (tok.vocabSize() != cfg.vocabSize()) {
      throw new IllegalArgumentException(dir + ": the tokenizer has " + tok.vocabSize() + " symbols but "
          + CONFIG + " says vocab_size " + cfg.vocabSize());
    }
    Gpt model = new Gpt(cfg, 0L);
    Path weights = dir.resolve(MODEL);
    if (!Files.exists(weights)) throw new NoSuchFileException(weights + " (the checkpoint has no weights)");
    try {
      model.loadStateDict(SafeTensors.readAll(weights), true);
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
    Path state = dir.resolve(TRAINER);
    if (!Files.exists(state)) {
      throw new NoSuchFileException(state + " (this checkpoint has no trainer state; it was saved for inference only)");
    }
    JsonNode o = JSON.readTree(Files.readString(state));
    JsonNode savedNode = o.get("train_config");
    TrainConfig saved = savedNode == null ? null : TrainConfig.fromJson(savedNode, state.toString());
    if (!trainer.config().equals(saved)) {
      throw new IllegalArgumentException(state + ": the checkpoint was trained with " + saved + " but this run uses "
          + trainer.config() + "; resume with the same settings");
    }
    Map<String, Tensor> opt = SafeTensors.readAll(dir.resolve(OPTIMIZER));
    trainer.restore(o.get("step").asInt(), opt, curve(o.get("train_curve")), curve(o.get("val_curve")),
        dir.resolve(OPTIMIZER).toString());
  }

  private static String trainerJson(Trainer trainer) throws IOException {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("step", trainer.stepsDone());
    o.put("train_config", trainer.config().toJson());
    Map<String, double[][]> curves = trainer.curves();
    o.put("train_curve", curves.get("train"));
    o.put("val_curve", curves.get("val"));
    return JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n";
  }

  private static double[][] curve(JsonNode n) {
    if (n == null || n.size() != 2) return new double[2][0];
    double[][] c = new double[2][n.get(0).size()];
    for (int r = 0; r < 2; r++) {
      for (int i = 0; i < c[r].length; i++) c[r][i] = n.get(r).get(i).asDouble();
    }
    return c;
  }

  /** Swaps {@code fresh} in for {@code dir}: the old one is moved aside first, then deleted. */
  private static void replace(Path dir, Path fresh) throws IOException {
    Path old = null;
    if (Files.exists(dir)) {
      old = dir.resolveSibling(dir.getFileName() + ".old-" + System.nanoTime());
      Files.move(dir, old, StandardCopyOption.ATOMIC_MOVE);
    }
    Files.move(fresh, dir, StandardCopyOption.ATOMIC_MOVE);
    if (old != null) deleteTree(old);
  }

  private static void deleteTree(Path p) throws IOException {
    if (!Files.exists(p)) return;
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
    }
  }
}
