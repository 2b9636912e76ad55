package org.jlora.examples.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.jlora.autograd.Parameter;
import org.jlora.engine.Tensor;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.Trainer;
import org.jlora.lora.io.AtomicFiles;

/**
 * {@code trainer.json}: where a run stands, beside the weights and optimizer moments of a resumable
 * checkpoint. It holds the steps done, the run's {@link TrainConfig} (a resume must use the same
 * one, or it would not retrace the uninterrupted run), the loss curves, the training time so far,
 * the architecture, a fingerprint of the frozen weights (for LoRA: the base model, which is not
 * saved, so resuming on another base is refused), and optional {@code run} settings the caller
 * adds (a LoRA config, the base model's path) that must also match.
 *
 * <pre>
 *   {"step": 400, "train_config": {...}, "architecture": "gpt", "train_seconds": 12.5,
 *    "train_curve": [[1, 2, ...], [4.1, 3.9, ...]], "val_curve": [[...], [...]], "run": {...}}
 * </pre>
 */
public record TrainerState(int step, TrainConfig config, String architecture, double trainSeconds,
                           double[][] trainCurve, double[][] valCurve, String frozenWeights, JsonNode run) {
  public static final String FILE = "trainer.json";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** Where {@code trainer} stands now; {@code frozenWeights} ({@link #fingerprint}) and {@code run} may be null. */
  public static TrainerState of(Trainer trainer, String frozenWeights, JsonNode run) {
    Map<String, double[][]> curves = trainer.curves();
    return new TrainerState(trainer.stepsDone(), trainer.config(), trainer.model().architecture(),
        trainer.trainSeconds(), curves.get("train"), curves.get("val"), frozenWeights, run);
  }

  /**
   * A 64-bit fingerprint (hex) of the names, shapes and exact values of the model's parameters that
   * do not train: equal for the same base weights, different (but for a 2^-64 chance) otherwise.
   */
  public static String fingerprint(Map<String, Parameter> all, Map<String, Parameter> trainable) {
    long h = 0x9E3779B97F4A7C15L;
    for (Map.Entry<String, Parameter> e : all.entrySet()) {
      if (trainable.containsKey(e.getKey())) continue;
      h = mix(h, e.getKey().hashCode());
      Tensor t = e.getValue().value();
      for (int d : t.shape()) h = mix(h, d);
      float[] data = t.data();
      for (int i = t.offset(), end = t.offset() + t.size(); i < end; i++) h = mix(h, Float.floatToRawIntBits(data[i]));
    }
    return Long.toHexString(h);
  }

  private static long mix(long h, int v) {
    return (h ^ v) * 0x100000001B3L + (h >>> 29);
  }

  /** Writes {@code dir/trainer.json} (atomically). */
  public void write(Path dir) throws IOException {
    ObjectNode o = JsonNodeFactory.instance.objectNode();
    o.put("step", step);
    o.set("train_config", config.toJson());
    o.put("architecture", architecture);
    o.put("train_seconds", trainSeconds);
    o.set("train_curve", curveJson(trainCurve));
    o.set("val_curve", curveJson(valCurve));
    if (frozenWeights != null) o.put("frozen_weights", frozenWeights);
    if (run != null) o.set("run", run);
    AtomicFiles.writeString(dir.resolve(FILE), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(o) + "\n");
  }

  /**
   * Reads {@code dir/trainer.json}; errors name the file and say what to do. Files written before
   * the architecture and the time were recorded read with those left empty (null and 0).
   */
  public static TrainerState read(Path dir) throws IOException {
    Path file = dir.resolve(FILE);
    if (!Files.isRegularFile(file)) {
      throw new NoSuchFileException(file.toString(), null, "no trainer state here: this is not a resumable checkpoint "
          + "(or it was saved for inference only); start a new run instead");
    }
    JsonNode o;
    try {
      o = JSON.readTree(Files.readString(file));
    } catch (JsonProcessingException e) {
      throw damaged(file, "not valid JSON at line " + e.getLocation().getLineNr());
    }
    if (o == null || !o.isObject()) throw damaged(file, "not a JSON object");
    JsonNode step = o.get("step");
    if (step == null || !step.canConvertToInt() || step.asInt() < 0) throw damaged(file, "no step count");
    TrainConfig config;
    try {
      config = TrainConfig.fromJson(o.get("train_config"), file.toString());
    } catch (IllegalArgumentException e) {
      throw damaged(file, e.getMessage().replace(file + ": ", ""));
    }
    JsonNode arch = o.get("architecture");
    JsonNode seconds = o.get("train_seconds");
    JsonNode frozen = o.get("frozen_weights");
    return new TrainerState(step.asInt(), config, arch == null ? null : arch.asText(),
        seconds == null ? 0 : seconds.asDouble(), curve(o.get("train_curve"), file), curve(o.get("val_curve"), file),
        frozen == null ? null : frozen.asText(), o.get("run"));
  }

  /**
   * Refuses to resume {@code trainer} (with the caller's {@code run} settings and the fingerprint of
   * its frozen weights, or null) from this state when anything that shapes the run differs; the
   * message lists what differs.
   */
  public void checkMatches(Trainer trainer, String frozenWeights, JsonNode run, Path dir) {
    Path file = dir.resolve(FILE);
    if (this.frozenWeights != null && frozenWeights != null && !this.frozenWeights.equals(frozenWeights)) {
      throw new IllegalArgumentException(file + ": the frozen (base) weights differ from those this checkpoint was "
          + "trained on; resume on the same base model");
    }
    if (architecture != null && !architecture.equals(trainer.model().architecture())) {
      throw new IllegalArgumentException(file + ": this checkpoint trained a " + architecture + " model, not a "
          + trainer.model().architecture() + "; resume it with the model it was made with");
    }
    List<String> differ = differences(config.toJson(), trainer.config().toJson());
    if (run != null && this.run != null) differ.addAll(differences(this.run, run));
    if (!differ.isEmpty()) {
      throw new IllegalArgumentException(file + ": the checkpoint's run had other settings (" + String.join(", ", differ)
          + ");\nresume with the same settings, or start a new run in another directory");
    }
    if (step > trainer.config().steps()) {
      throw damaged(file, "step " + step + " is beyond the run's " + trainer.config().steps() + " steps");
    }
  }

  /** Puts {@code trainer} where this state left off, with the optimizer moments read from {@code optimizerSource}. */
  public void restoreInto(Trainer trainer, Map<String, Tensor> optimizerState, String optimizerSource) {
    trainer.restore(step, optimizerState, trainCurve, valCurve, trainSeconds, optimizerSource);
  }

  /** "lr 0.003 (now 0.001)" for each key whose value differs between {@code saved} and {@code now}. */
  private static List<String> differences(JsonNode saved, JsonNode now) {
    List<String> out = new ArrayList<>();
    List<String> keys = new ArrayList<>();
    saved.fieldNames().forEachRemaining(keys::add);
    for (Iterator<String> it = now.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (!keys.contains(k)) keys.add(k);
    }
    for (String k : keys) {
      JsonNode a = saved.get(k);
      JsonNode b = now.get(k);
      if (a == null || b == null || !a.equals(b)) {
        out.add(k + " " + (a == null ? "unset" : a.toString()) + " (now " + (b == null ? "unset" : b.toString()) + ")");
      }
    }
    return out;
  }

  private static ArrayNode curveJson(double[][] c) {
    ArrayNode out = JsonNodeFactory.instance.arrayNode();
    for (double[] row : c) {
      ArrayNode r = out.addArray();
      for (double v : row) r.add(v);
    }
    return out;
  }

  private static double[][] curve(JsonNode n, Path file) {
    if (n == null) return new double[2][0];
    if (!n.isArray() || n.size() != 2 || n.get(0).size() != n.get(1).size()) {
      throw damaged(file, "a loss curve is not two lists of equal length");
    }
    double[][] c = new double[2][n.get(0).size()];
    for (int r = 0; r < 2; r++) {
      for (int i = 0; i < c[r].length; i++) c[r][i] = n.get(r).get(i).asDouble();
    }
    return c;
  }

  private static IllegalArgumentException damaged(Path file, String why) {
    return new IllegalArgumentException(file + " is damaged (" + why + "); resume from another checkpoint or start over");
  }
}
