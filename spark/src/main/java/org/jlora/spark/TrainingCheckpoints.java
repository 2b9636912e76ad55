package org.jlora.spark;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import org.jlora.lora.io.AtomicDirectories;
import org.jlora.lora.io.AtomicFiles;
import org.jlora.lora.io.SafeTensors;

/**
 * Checkpoints of a data-parallel run under {@code <out>/checkpoints/step-NNNNNN/}: the adapter in
 * PEFT's format, the AdamW moments, and {@code progress.json} (the steps done and their losses).
 * progress.json is written last, atomically: a directory without it is an interrupted write and
 * is ignored, so a task killed while saving never leaves a checkpoint that half-loads.
 *
 * <p>A rerun with the same output path resumes from the newest complete checkpoint: every task
 * loads the same adapter and moments, and the batches of the remaining steps are those the
 * interrupted run would have drawn ({@link StepBatches}), so the result equals an uninterrupted run.
 */
final class TrainingCheckpoints {
  static final String DIR = "checkpoints";
  private static final String ADAPTER = "adapter";
  private static final String OPTIMIZER = "optimizer.safetensors";
  private static final String PROGRESS = "progress.json";
  private static final ObjectMapper JSON = new ObjectMapper();

  private TrainingCheckpoints() {}

  /** A complete checkpoint: where it is, the steps done, their global losses, and the run's settings. */
  record Found(Path dir, int stepsDone, List<Float> losses, String settings) {}

  /**
   * The settings a resumed run must share with the interrupted one (the step count may grow; the
   * exchange and the checkpoint interval may change): resuming another run's checkpoint would
   * silently train something else.
   */
  static String settings(SparkFinetuneConfig c) {
    return "model=" + c.modelPath() + " workers=" + c.workers() + " micro_batch=" + c.microBatch() + " context="
        + c.contextLength() + " lr=" + c.learningRate() + " weight_decay=" + c.weightDecay() + " max_grad_norm="
        + c.maxGradNorm() + " warmup=" + c.warmupSteps() + (c.warmupSteps() > 0 ? " steps=" + c.steps() : "")
        + " r=" + c.rank() + " alpha=" + c.alpha() + " dropout=" + c.loraDropout() + " targets=" + c.targetModules()
        + " seed=" + c.seed();
  }

  /** Saves after {@code stepsDone} steps, then removes older checkpoints. */
  static void save(Path out, LoraModel lm, SyncTrainer trainer, int stepsDone, List<Float> losses, String settings)
      throws IOException {
    Path dir = out.resolve(DIR).resolve(String.format("step-%06d", stepsDone));
    Files.createDirectories(dir);
    Files.deleteIfExists(dir.resolve(PROGRESS));   // a rewrite of this step: incomplete until the end
    PeftAdapters.save(lm, lm.activeAdapter(), dir.resolve(ADAPTER));
    SafeTensors.write(dir.resolve(OPTIMIZER), trainer.optimizer().stateDict(trainer.trainable()));
    ObjectNode progress = JSON.createObjectNode();
    progress.put("steps_done", stepsDone);
    progress.put("settings", settings);
    ArrayNode arr = progress.putArray("losses");
    losses.forEach(arr::add);
    AtomicFiles.writeString(dir.resolve(PROGRESS), JSON.writeValueAsString(progress));
    for (Path old : stepDirs(out)) {
      if (!old.equals(dir) && stepOf(old) < stepsDone) AtomicDirectories.deleteTree(old);
    }
  }

  /** The newest complete checkpoint under {@code out}, if any. */
  static Optional<Found> latest(Path out) throws IOException {
    List<Path> dirs = stepDirs(out);
    dirs.sort(Comparator.comparingInt(TrainingCheckpoints::stepOf).reversed());
    for (Path dir : dirs) {
      Path progress = dir.resolve(PROGRESS);
      if (!Files.isRegularFile(progress)) continue;
      JsonNode json = JSON.readTree(progress.toFile());
      List<Float> losses = new ArrayList<>();
      json.get("losses").forEach(n -> losses.add((float) n.asDouble()));
      return Optional.of(new Found(dir, json.get("steps_done").asInt(), losses, json.path("settings").asText("")));
    }
    return Optional.empty();
  }

  /** Loads the checkpoint's adapter into {@code lm}'s active adapter and its moments into the trainer's AdamW. */
  static void restore(Found found, LoraModel lm, SyncTrainer trainer, String settings) throws IOException {
    if (!found.settings().equals(settings)) {
      throw new IllegalArgumentException("the checkpoint " + found.dir() + " belongs to a run with other settings ("
          + found.settings() + "; this run: " + settings + "); use a new output path or the same settings");
    }
    PeftAdapters.load(lm, found.dir().resolve(ADAPTER), lm.activeAdapter(), true);
    Path opt = found.dir().resolve(OPTIMIZER);
    trainer.optimizer().loadStateDict(trainer.trainable(), SafeTensors.readAll(opt), opt.toString());
  }

  private static List<Path> stepDirs(Path out) throws IOException {
    Path root = out.resolve(DIR);
    if (!Files.isDirectory(root)) return new ArrayList<>();
    try (Stream<Path> s = Files.list(root)) {
      return new ArrayList<>(s.filter(p -> p.getFileName().toString().matches("step-\\d{6}")).toList());
    }
  }

  private static int stepOf(Path dir) {
    return Integer.parseInt(dir.getFileName().toString().substring(5));
  }
}
