package org.jlora.examples.train;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Shapes;
import org.jlora.engine.Tensor;
import org.jlora.examples.checkpoint.FiniteWeights;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.model.LanguageModel;
import org.jlora.lora.io.AtomicDirectories;
import org.jlora.lora.io.SafeTensors;

/**
 * A resumable checkpoint of any {@link LanguageModel}'s training run, holding only what training
 * changes: the parameters that train ({@code trainable.safetensors}, by name: a LoRA adapter's A
 * and B, or every weight in full fine-tuning), AdamW's moments ({@code optimizer.safetensors}) and
 * where the run stands ({@code trainer.json}, a {@link TrainerState}). The frozen weights are the
 * base model's, loaded again on resume; their fingerprint, saved, makes sure they are the same.
 *
 * <pre>{@code
 * TrainingCheckpoint.save(dir, model, trainer);      // after some steps
 * // later, a fresh process: the same base model, adapter settings and TrainConfig
 * TrainingCheckpoint.resume(dir, model, trainer);    // then trainer.run() finishes the run
 * }</pre>
 *
 * <p>The directory is written atomically as a whole ({@link AtomicDirectories}): a kill during a
 * save leaves the previous checkpoint, and nothing but these three files is ever replaced. A
 * resumed run takes bit-identical steps to the uninterrupted one (the trainer draws batch s from
 * (seed, s) alone). Optional {@code run} settings (JSON the caller chooses, e.g. the LoRA config and
 * the base model's path) are stored too and must match on resume.
 */
public final class TrainingCheckpoint {
  public static final String TRAINABLE = "trainable.safetensors";
  public static final String OPTIMIZER = "optimizer.safetensors";
  /** Every file such a directory holds: what {@link #save} may replace. */
  public static final Set<String> FILES = Set.of(TRAINABLE, OPTIMIZER, TrainerState.FILE);

  private static final String WHAT = "training checkpoint";

  private TrainingCheckpoint() {}

  /** Whether {@code dir} holds a training checkpoint (after putting back one a killed save had set aside). */
  public static boolean exists(Path dir) throws IOException {
    AtomicDirectories.recover(dir);
    return Files.isRegularFile(dir.resolve(TrainerState.FILE)) && Files.isRegularFile(dir.resolve(TRAINABLE));
  }

  /** Refuses, before training, a path {@link #save} would not replace (a file, the current directory, a user's directory). */
  public static void checkWritable(Path dir) throws IOException {
    AtomicDirectories.checkReplaceable(dir, dir.toAbsolutePath().normalize(), WHAT, FILES);
  }

  public static void save(Path dir, LanguageModel model, Trainer trainer) throws IOException {
    save(dir, model, trainer, null);
  }

  /** Saves where {@code trainer} stands on {@code model}, with the caller's {@code run} settings (may be null). */
  public static void save(Path dir, LanguageModel model, Trainer trainer, JsonNode run) throws IOException {
    checkSameModel(model, trainer);
    trainer.syncToHost();   // weights and moments a device step holds come back first
    Map<String, Tensor> weights = trainableWeights(trainer);
    String nonFinite = FiniteWeights.describeFirst(weights);
    if (nonFinite != null) {
      throw new IllegalStateException("not saving " + dir + ": the " + nonFinite + "; the run diverged: lower --lr or "
          + "check the data");
    }
    Map<String, Tensor> moments = trainer.optimizer().stateDict(trainer.trainableParameters());
    TrainerState state = TrainerState.of(trainer, frozenFingerprint(trainer), run);
    AtomicDirectories.replace(dir, WHAT, FILES, tmp -> {
      SafeTensors.write(tmp.resolve(TRAINABLE), weights, Map.of("format", "pt"));
      SafeTensors.write(tmp.resolve(OPTIMIZER), moments);
      state.write(tmp);
    });
  }

  public static void resume(Path dir, LanguageModel model, Trainer trainer) throws IOException {
    resume(dir, model, trainer, null);
  }

  /**
   * Puts {@code model}'s trainable weights and {@code trainer} where the checkpoint in {@code dir}
   * left off. Checks first, changes nothing on failure: the settings ({@link TrainerState#checkMatches}),
   * the trainable parameters' names and shapes, and that every number is finite.
   */
  public static void resume(Path dir, LanguageModel model, Trainer trainer, JsonNode run) throws IOException {
    checkSameModel(model, trainer);
    AtomicDirectories.recover(dir);
    if (!Files.isDirectory(dir)) {
      throw new NoSuchFileException(dir.toString(), null, "no training checkpoint here; start a new run, or give the "
          + "directory a run saved with periodic checkpoints");
    }
    TrainerState state = TrainerState.read(dir);
    state.checkMatches(trainer, frozenFingerprint(trainer), run, dir);
    Path weightsFile = require(dir.resolve(TRAINABLE));
    Path momentsFile = require(dir.resolve(OPTIMIZER));
    Map<String, Tensor> saved = SafeTensors.readAll(weightsFile);
    checkSameParameters(saved, trainer.trainableParameters(), weightsFile);
    FiniteWeights.require(saved, weightsFile.toString());
    Map<String, Tensor> moments = SafeTensors.readAll(momentsFile);
    FiniteWeights.require(moments, momentsFile.toString());
    state.restoreInto(trainer, moments, momentsFile.toString());   // checks the moments' names and shapes
    for (Map.Entry<String, Parameter> e : trainer.trainableParameters().entrySet()) {
      e.getValue().value().copyFrom(saved.get(e.getKey()));
    }
  }

  /** The frozen weights' fingerprint: they are not saved, so a resume must find the very same ones. */
  private static String frozenFingerprint(Trainer trainer) {
    return TrainerState.fingerprint(trainer.model().namedParameters(), trainer.trainableParameters());
  }

  /** The trainable parameters' current values, by name. */
  private static Map<String, Tensor> trainableWeights(Trainer trainer) {
    Map<String, Tensor> out = new LinkedHashMap<>();
    for (Map.Entry<String, Parameter> e : trainer.trainableParameters().entrySet()) out.put(e.getKey(), e.getValue().value());
    return out;
  }

  /** The file's names and shapes must be exactly the trainable parameters'. */
  private static void checkSameParameters(Map<String, Tensor> saved, Map<String, Parameter> trainable, Path file) {
    List<String> missing = new ArrayList<>();
    for (String name : trainable.keySet()) if (!saved.containsKey(name)) missing.add(name);
    List<String> unexpected = new ArrayList<>();
    for (String name : saved.keySet()) if (!trainable.containsKey(name)) unexpected.add(name);
    if (!missing.isEmpty() || !unexpected.isEmpty()) {
      throw new IllegalArgumentException(file + ": the checkpoint trained other parameters than this run (missing "
          + some(missing) + "; not in this run " + some(unexpected) + ");\nresume with the model and adapter settings "
          + "it was saved with");
    }
    for (Map.Entry<String, Parameter> e : trainable.entrySet()) {
      int[] have = saved.get(e.getKey()).shape();
      if (!Arrays.equals(have, e.getValue().shape())) {
        throw new IllegalArgumentException(file + ": '" + e.getKey() + "' is " + Shapes.str(have) + " in the checkpoint "
            + "but " + Shapes.str(e.getValue().shape()) + " in this run; resume with the settings it was saved with");
      }
    }
  }

  private static String some(List<String> names) {
    if (names.isEmpty()) return "none";
    return String.join(", ", names.subList(0, Math.min(3, names.size()))) + (names.size() > 3 ? ", ..." : "");
  }

  private static Path require(Path file) throws NoSuchFileException {
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "the training checkpoint is incomplete; resume from another "
          + "one or start over");
    }
    return file;
  }

  private static void checkSameModel(LanguageModel model, Trainer trainer) {
    if (trainer.model() != model) throw new IllegalArgumentException("TrainingCheckpoint: the trainer trains another model");
  }
}
