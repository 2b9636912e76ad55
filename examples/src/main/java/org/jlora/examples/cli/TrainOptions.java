package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.examples.data.CharTokenizer;
import org.jlora.examples.data.Task;
import org.jlora.examples.data.TaskBatches;
import org.jlora.examples.data.Tasks;
import org.jlora.examples.data.TextData;
import org.jlora.examples.gpt.Completions;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.model.LanguageModel;
import org.jlora.examples.train.StepReplay;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Options shared by pretrain and finetune: the data and the run's budget. Unset values take the command's defaults. */
public final class TrainOptions {
  @Option(names = "--data", description = "train on this UTF-8 text file (90/10 train/validation split) instead of a built-in task")
  Path data;

  @Option(names = "--task", description = "built-in task or family: base, adapt, cpy, rev, rol, swp, rot, srt")
  String task;

  @Option(names = "--steps", description = "optimizer steps") Integer steps;

  @Option(names = "--batch", description = "rows per step") Integer batch;

  @Option(names = "--context", description = "tokens per row, at most the model's block size (default for a built-in task: "
      + Tasks.MAX_LINE_LENGTH + ", its longest line)") Integer context;

  @Option(names = "--lr", description = "peak learning rate (warm-up 10%%, then cosine to lr/10)") Float lr;

  @Option(names = "--grad-accum", defaultValue = "1", description = "micro-batches per step (default ${DEFAULT-VALUE})")
  int gradAccum;

  @Option(names = "--seed", defaultValue = "1", description = "seed of init and data order (default ${DEFAULT-VALUE})")
  long seed;

  @Option(names = "--checkpoint-activations", description = "recompute each block's activations in backward instead "
      + "of keeping them: the same loss and gradients in much less memory, for about a third more compute")
  boolean checkpointActivations;

  @Option(names = "--step-replay", defaultValue = "auto", description = "record the training step once and replay "
      + "its kernels from the second step on: auto (whenever the step can be recorded: not with dropout or gradient "
      + "accumulation), on (refuse a step that cannot be), off; the results are the same (default ${DEFAULT-VALUE})")
  String stepReplay;

  @Mixin KernelOptions kernels;

  /** Switches on --checkpoint-activations in the model about to train. */
  void applyTo(LanguageModel model) {
    if (checkpointActivations) model.setCheckpointActivations(true);
  }

  /** Hands --step-replay to the trainer. */
  void applyTo(Trainer trainer) {
    trainer.stepReplay(StepReplay.parse(stepReplay));
  }

  /**
   * Training and validation batches, from --data or the task (held-out words for validation; one
   * example a row, at position 0 as at inference).
   */
  record Data(CharTokenizer tokenizer, Trainer.BatchSource train, Trainer.BatchSource validation, String name) {}

  Data data(String defaultTask) {
    return data(data, task, defaultTask);
  }

  /** The batches of text file {@code data} if given, else of built-in {@code task} (or {@code defaultTask}). */
  static Data data(Path data, String task, String defaultTask) {
    if (data != null && task != null) throw new IllegalArgumentException("give --data or --task, not both");
    if (data != null) {
      try {
        TextData text = TextData.load(data);
        return new Data(text.tokenizer(), text::trainBatch, text::valBatch, data.toString());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    Task t = Tasks.family(task != null ? task : defaultTask);
    CharTokenizer tok = Tasks.tokenizer();
    return new Data(tok, Completions.training(t, tok, true, TaskBatches.Layout.ONE_PER_ROW),
        Completions.heldOut(t, tok, true, TaskBatches.Layout.ONE_PER_ROW), t.name());
  }

  /** The run's settings: the options given, else the command's defaults (a task's rows need only its longest line). */
  TrainConfig config(int dSteps, int dBatch, int dContext, float dLr, float weightDecay) {
    int s = Figures.pos(steps, dSteps, "--steps");
    int defaultContext = data == null ? Math.min(dContext, Tasks.MAX_LINE_LENGTH) : dContext;
    return TrainConfig.builder().steps(s).batchSize(Figures.pos(batch, dBatch, "--batch"))
        .contextLength(Figures.pos(context, defaultContext, "--context")).lr(lr != null ? checkLr(lr) : dLr)
        .seed(seed).weightDecay(weightDecay).gradAccum(gradAccum).build();
  }

  private static float checkLr(float v) {
    if (!(v > 0 && v < 10)) throw new IllegalArgumentException("--lr must be a positive number below 10, got " + v);
    return v;
  }

  /** Prints one JSON line a step when --json is on; does nothing otherwise. */
  static java.util.function.Consumer<Trainer.StepReport> jsonLines(OutputOptions out) {
    if (!out.json()) return r -> { };
    return r -> {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("step", r.step());
      m.put("loss", r.trainLoss());
      if (!Double.isNaN(r.valLoss())) m.put("val_loss", r.valLoss());
      m.put("lr", r.lr());
      m.put("ms", r.ms());
      System.out.println(OutputOptions.line(m));
    };
  }
}
