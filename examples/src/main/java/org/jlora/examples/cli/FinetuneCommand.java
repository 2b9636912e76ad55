package org.jlora.examples.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.examples.checkpoint.BaseDType;
import org.jlora.examples.checkpoint.Pretrained;
import org.jlora.examples.gpt.Checkpoint;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptLora;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.train.GracefulStop;
import org.jlora.examples.train.TrainingCheckpoint;
import org.jlora.lora.LoraConfig;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import org.jlora.lora.io.AtomicDirectories;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jlora finetune}: adapts a pretrained model to your data with LoRA (only the adapter trains;
 * saved in PEFT's format) or full fine-tuning (every weight trains; saved in the model's format).
 * The model is a path: a Hugging Face directory, a llama2.c .bin, or a jlora checkpoint of the small
 * GPT (which, without --data, adapts to the built-in toy task).
 */
@Command(name = "finetune", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Fine-tune a model on your data with LoRA or full fine-tuning.",
        "  jlora finetune --model SmolLM2-135M --data notes.txt --out my-adapter",
        "  jlora finetune --model stories260K.bin --data train.jsonl --targets all-linear --out my-adapter"})
public final class FinetuneCommand implements Runnable {
  @Option(names = {"--model", "--base"}, defaultValue = ".jlora/base",
      description = "the model: a Hugging Face directory, a llama2.c .bin, or a jlora checkpoint (default ${DEFAULT-VALUE})")
  Path model;

  @Option(names = "--tokenizer", description = "tokenizer file or directory, if not the one found with the model")
  Path tokenizer;

  @Option(names = "--method", defaultValue = "lora", description = "lora | full (default ${DEFAULT-VALUE})")
  String method;

  @Option(names = "--targets", split = ",", description = "modules to adapt by name, or all-linear (default: PEFT's for"
      + " the architecture: q_proj,v_proj for Llama/Qwen2, c_attn for GPT-2; q and v of c_attn for the small GPT)")
  List<String> targets;

  @Option(names = "--rank", defaultValue = "8", description = "LoRA rank r (default ${DEFAULT-VALUE})")
  int rank;

  @Option(names = "--alpha", defaultValue = "16", description = "LoRA alpha; scaling = alpha / r (default ${DEFAULT-VALUE})")
  float alpha;

  @Option(names = "--lora-dropout", defaultValue = "0", description = "dropout on the LoRA path (default ${DEFAULT-VALUE})")
  float loraDropout;

  @Mixin TrainOptions train;
  @Mixin DataOptions dataOptions;
  @Mixin OutputOptions output;
  @Mixin CheckpointOptions checkpoints;

  @Option(names = "--checkpoint", paramLabel = "DIR", description = "where the resumable state goes (trainable"
      + " weights, optimizer, progress; default: --out's path + .checkpoint)")
  Path checkpoint;




  @Mixin WeightOptions weights;
  @Mixin BaseDTypeOptions baseDType;
  @Spec CommandSpec spec;

  @Option(names = "--out", description = "where to save: the adapter directory (lora, default .jlora/adapter) or the model"
      + " (full, default .jlora/full; a name ending in .bin writes a llama2.c checkpoint)")
  Path out;


  @Override
  public void run() {
    train.kernels.apply();
    boolean lora = switch (method) {
      case "lora" -> true;
      case "full" -> false;
      default -> throw new IllegalArgumentException("--method must be lora or full, got '" + method + "'");
    };
    if (rank < 1) throw new IllegalArgumentException("--rank must be >= 1, got " + rank);
    if (!(alpha > 0)) throw new IllegalArgumentException("--alpha must be > 0, got " + alpha);
    if (!(loraDropout >= 0 && loraDropout < 1)) throw new IllegalArgumentException("--lora-dropout must be in [0, 1)");
    checkpoints.check();
    weights.apply();
    Path dest = out != null ? out : Path.of(lora ? ".jlora/adapter" : ".jlora/full");
    Path state = checkpoint != null ? checkpoint : Path.of(dest + ".checkpoint");
    Path resumeDir = checkpoints.resumeDir(state);
    BaseDType dtype = lora ? baseDType.get() : baseDType.get().forWrittenWeights("full fine-tuning trains every weight");
    Pretrained p = Models.open(model, tokenizer, dtype);
    LanguageModel lm = p.model();
    boolean toyTask = p.format() == Pretrained.Format.JLORA_GPT && train.data == null;
    TrainData data = toyTask ? TrainData.task(train.task, "adapt") : TrainData.file(train, dataOptions, p, output);
    LoraModel adapted = lora ? LoraModel.inject(lm, loraConfig(lm)) : null;
    train.applyTo(lm);
    int dContext = toyTask ? 64 : Math.min(lm.contextLength(), 256);
    TrainConfig tc = train.config(toyTask ? 300 : 200, toyTask ? 16 : 8, dContext, lora ? 3e-3f : (toyTask ? 1e-3f : 3e-4f),
        lora ? 0f : 0.1f);
    data.requireOneBatch(tc.batchSize(), tc.contextLength());
    ObjectNode run = new ObjectMapper().createObjectNode().put("model", model.toString()).put("method", method)
        .put("rank", rank).put("alpha", (double) alpha).put("targets", adapted != null
            ? String.join(",", adapted.config("default").targetModules()) : "");
    try {
      checkWritable(dest, lora, p);     // a wrong --out fails now, not after the run
      TrainingCheckpoint.checkWritable(state);
      Trainer trainer = new Trainer(lm, tc, data.train(), data.validation());
      train.applyTo(trainer);
      if (resumeDir != null) {
        TrainingCheckpoint.resume(resumeDir, lm, trainer, run);
        if (trainer.finished()) {
          spec.commandLine().getErr().println("jlora: " + resumeDir + ": this run already finished all " + tc.steps()
              + " steps; writing its result to " + dest);
        }
      }
      TrainResult r;
      try (GracefulStop stop = GracefulStop.install(CheckpointOptions.STOP_GRACE_SECONDS)) {
        trainer.progress("finetune " + method, output.mode()).onStep(TrainOptions.jsonLines(output))
            .checkpointing(state, checkpoints.saveEvery, checkpoints.interval(),
                (dir, t) -> TrainingCheckpoint.save(dir, lm, t, run))
            .stopOn(stop::requested).resumeCommand(ResumeCommand.of(spec, state));
        r = trainer.run();
        if (r.interrupted()) return;   // saved, and the trainer said how to resume
        if (lora) PeftAdapters.save(adapted, "default", dest);
        else p.save(lm, dest, p.formatFor(dest));
        // a LoRA run's state is small: keep the finished run, so --resume says so (a full run's is 3x the model)
        if (lora) TrainingCheckpoint.save(state, lm, trainer, run);
      }
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("method", method);
      m.putAll(r.summary());
      m.put("saved", dest.toString());
      m.put("checkpoint", state.toString());
      if (output.json()) {
        System.out.println(OutputOptions.line(m));
      } else {
        System.out.printf("%s fine-tuning on %s: %d trainable params (%.2f%%), optimizer state %d bytes, train loss %.3f, "
              + "val loss %.3f, %.1f ms/step, %.0f tokens/s -> %s%n", method, data.name(), r.trainableParams(),
          100.0 * r.trainableParams() / r.totalParams(), r.optimizerStateBytes(), r.finalTrainLoss(), r.finalValLoss(),
          r.msPerStep(), r.tokensPerSecond(), dest);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The run's output must be writable before any training: an adapter or model directory jlora may replace. */
  private static void checkWritable(Path dest, boolean lora, Pretrained p) throws IOException {
    if (lora) {
      AtomicDirectories.checkReplaceable(dest, dest.toAbsolutePath().normalize(), "adapter directory", PeftAdapters.OWN_FILES);
    } else if (p.formatFor(dest) == Pretrained.Format.JLORA_GPT) {
      Checkpoint.checkWritable(dest);
    } else if (p.formatFor(dest) == Pretrained.Format.LLAMA2C && java.nio.file.Files.exists(dest)) {
      throw new IllegalArgumentException(dest + " exists; jlora will not replace a file it cannot tell it wrote: give a new name");
    }
  }

  /** The adapter's config: the given targets, or PEFT's default for the architecture. */
  LoraConfig loraConfig(LanguageModel lm) {
    if (lm instanceof Gpt) {
      return GptLora.config(rank, alpha, loraDropout, targets != null ? targets : List.of("c_attn"), train.seed);
    }
    LoraConfig.Builder b = LoraConfig.builder().r(rank).loraAlpha(alpha).loraDropout(loraDropout).seed(train.seed);
    List<String> t = targets != null ? targets : defaultTargets(lm.architecture());
    if (t.equals(List.of(LoraModel.ALL_LINEAR))) b.targetRegex(LoraModel.ALL_LINEAR);
    else b.targetModules(t);
    return b.build();
  }

  /** PEFT's defaults (TRANSFORMERS_MODELS_TO_LORA_TARGET_MODULES_MAPPING). */
  static List<String> defaultTargets(String architecture) {
    return switch (architecture) {
      case "gpt2" -> List.of("c_attn");
      default -> List.of("q_proj", "v_proj");
    };
  }
}
