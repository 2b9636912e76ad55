package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.examples.gpt.Checkpoint;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.examples.train.GracefulStop;
import org.jlora.lora.io.AtomicDirectories;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code jlora pretrain}: trains a GPT from scratch and writes a checkpoint. The run saves itself
 * every {@code --save-every} steps or {@code --save-minutes} minutes, and on Ctrl-C or SIGTERM after
 * the current step, then prints the command that resumes it ({@code --resume}).
 */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = "Train a GPT from scratch on a built-in task (default: base = copy + reverse) or a text file.")
public final class PretrainCommand implements Runnable {
  private static final Path DEFAULT_OUT = Path.of(".jlora/base");

  @Mixin TrainOptions train;
  @Mixin OutputOptions output;
  @Mixin CheckpointOptions checkpoints;
  @Spec CommandSpec spec;

  @Option(names = "--model", defaultValue = "tiny", description = "nano | tiny | small (default ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--dropout", defaultValue = "0", description = "dropout (default ${DEFAULT-VALUE})")
  float dropout;

  @Option(names = "--out", description = "checkpoint directory (default: the --resume directory, else " + ".jlora/base)")
  Path out;




  @Override
  public void run() {
    checkpoints.check();
    train.kernels.apply();
    Path resumeDir = checkpoints.resumeDir(out != null ? out : DEFAULT_OUT);
    Path dest = out != null ? out : resumeDir != null ? resumeDir : DEFAULT_OUT;
    TrainOptions.Data data = train.data("base");
    try {
      Checkpoint.checkWritable(dest);   // a wrong --out fails now, not after the run
      if (Checkpoint.exists(dest) && (resumeDir == null || !sameDirectory(dest, resumeDir))) {
        throw new IllegalArgumentException(dest + " already holds a checkpoint; pass --resume " + dest
            + " to continue it, or choose another --out");
      }
      Gpt gpt = resumeDir != null ? loadForResume(resumeDir, data)
          : new Gpt(GptConfig.named(model, data.tokenizer().vocabSize()).withDropout(dropout), train.seed);
      train.applyTo(gpt);
      TrainConfig tc = train.config(1000, 16, Math.min(gpt.config().blockSize(), train.data != null ? 128 : 64), 3e-3f, 0.1f);
      Trainer trainer = new Trainer(gpt, tc, data.train(), data.validation());
      train.applyTo(trainer);
      if (resumeDir != null) {
        Checkpoint.resume(resumeDir, trainer);
        if (trainer.finished()) {
          reportFinished(resumeDir, trainer);
          return;
        }
      }
      try (GracefulStop stop = GracefulStop.install(CheckpointOptions.STOP_GRACE_SECONDS)) {
        trainer.progress("pretrain", output.mode()).onStep(TrainOptions.jsonLines(output))
            .checkpointing(dest, checkpoints.saveEvery, checkpoints.interval(),
                (dir, t) -> Checkpoint.save(dir, gpt, data.tokenizer(), t))
            .stopOn(stop::requested).resumeCommand(ResumeCommand.of(spec, dest));
        TrainResult r = trainer.run();
        if (r.interrupted()) return;   // saved, and the trainer said how to resume
        Checkpoint.save(dest, gpt, data.tokenizer(), trainer);
        report(r, data.name(), dest);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(describe(e), e);
    }
  }

  /** The checkpoint to continue; its alphabet must be the data's, or the token ids would mean other characters. */
  private static Gpt loadForResume(Path dir, TrainOptions.Data data) throws IOException {
    AtomicDirectories.recover(dir);
    if (!Files.isDirectory(dir)) {
      throw new IllegalArgumentException("nothing to resume: " + dir + " is not a directory; start a new run without --resume");
    }
    Checkpoint.Loaded loaded;
    try {
      loaded = Checkpoint.load(dir);
    } catch (NoSuchFileException e) {
      throw new IllegalArgumentException("nothing to resume: " + describe(e) + "; start a new run without --resume");
    }
    if (!loaded.tokenizer().equals(data.tokenizer())) {
      throw new IllegalArgumentException(dir + " was trained on other characters than " + data.name()
          + "; resume with the same --data or --task");
    }
    return loaded.model();
  }

  private static boolean sameDirectory(Path a, Path b) {
    return a.toAbsolutePath().normalize().equals(b.toAbsolutePath().normalize());
  }

  /** Resuming a run that has done all its steps: say so, instead of a report with no step timed. */
  private void reportFinished(Path dir, Trainer trainer) {
    TrainResult r = trainer.result();
    if (output.json()) {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("checkpoint", dir.toString());
      m.put("finished", true);
      m.put("steps", trainer.config().steps());
      m.put("final_train_loss", r.finalTrainLoss());
      System.out.println(OutputOptions.line(m));
    } else {
      System.out.printf("%s: this run already finished all %d steps (train loss %.3f); nothing to do. To train longer, "
          + "start a new run with more --steps and another --out.%n", dir, trainer.config().steps(), r.finalTrainLoss());
    }
  }

  private void report(TrainResult r, String dataName, Path dest) {
    Map<String, Object> m = new LinkedHashMap<>(r.summary());
    m.put("checkpoint", dest.toString());
    if (output.json()) {
      System.out.println(OutputOptions.line(m));
    } else {
      System.out.printf("pretrained on %s: train loss %.3f, val loss %.3f, %.1f ms/step, %.0f tokens/s -> %s%n", dataName,
          r.finalTrainLoss(), r.finalValLoss(), r.msPerStep(), r.tokensPerSecond(), dest);
    }
  }

  /** An I/O failure in words, without Java's class names. */
  private static String describe(IOException e) {
    if (e instanceof AccessDeniedException a) return a.getFile() + ": permission denied";
    if (e instanceof NoSuchFileException n) return n.getFile() + ": " + (n.getReason() != null ? n.getReason() : "not found");
    return e.getMessage();
  }
}
