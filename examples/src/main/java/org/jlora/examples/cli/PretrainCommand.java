package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jlora.examples.gpt.Checkpoint;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptConfig;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code jlora pretrain}: trains a GPT from scratch and writes a checkpoint (resumable). */
@Command(name = "pretrain", mixinStandardHelpOptions = true,
    description = "Train a GPT from scratch on a built-in task (default: base = copy + reverse) or a text file.")
public final class PretrainCommand implements Runnable {
  @Mixin TrainOptions train;
  @Mixin OutputOptions output;

  @Option(names = "--model", defaultValue = "tiny", description = "nano | tiny | small (default ${DEFAULT-VALUE})")
  String model;

  @Option(names = "--dropout", defaultValue = "0", description = "dropout (default ${DEFAULT-VALUE})")
  float dropout;

  @Option(names = "--out", defaultValue = ".jlora/base", description = "checkpoint directory (default ${DEFAULT-VALUE})")
  Path out;

  @Option(names = "--resume", description = "continue the run saved in --out (same settings)")
  boolean resume;

  @Option(names = "--save-every", defaultValue = "0", description = "also checkpoint every N steps (0: only at the end)")
  int saveEvery;

  @Override
  public void run() {
    train.kernels.apply();
    TrainOptions.Data data = train.data("base");
    try {
      Gpt gpt;
      if (resume) {
        gpt = (Gpt) Models.open(out, null).model();
      } else {
        gpt = new Gpt(GptConfig.named(model, data.tokenizer().vocabSize()).withDropout(dropout), train.seed);
      }
      TrainConfig tc = train.config(1000, 16, Math.min(gpt.config().blockSize(), train.data != null ? 128 : 64), 3e-3f, 0.1f);
      Trainer trainer = new Trainer(gpt, tc, data.train(), data.validation());
      if (resume) Checkpoint.resume(out, trainer);
      else if (Files.exists(out.resolve(Checkpoint.MODEL))) {
        throw new IllegalArgumentException(out + " already holds a checkpoint; pass --resume to continue it or --out DIR");
      }
      if (saveEvery < 0) throw new IllegalArgumentException("--save-every must be >= 0, got " + saveEvery);
      var json = TrainOptions.jsonLines(output);
      trainer.progress("pretrain", output.mode()).onStep(r -> {
        json.accept(r);
        if (saveEvery > 0 && r.step() % saveEvery == 0 && r.step() < tc.steps()) save(gpt, data, trainer);
      });
      TrainResult r = trainer.run();
      save(gpt, data, trainer);
      report(r, data.name());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void save(Gpt gpt, TrainOptions.Data data, Trainer trainer) {
    try {
      Checkpoint.save(out, gpt, data.tokenizer(), trainer);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void report(TrainResult r, String dataName) {
    Map<String, Object> m = new LinkedHashMap<>(r.summary());
    m.put("checkpoint", out.toString());
    if (output.json()) {
      System.out.println(OutputOptions.line(m));
    } else {
      System.out.printf("pretrained on %s: train loss %.3f, val loss %.3f, %.1f ms/step, %.0f tokens/s -> %s%n", dataName,
          r.finalTrainLoss(), r.finalValLoss(), r.msPerStep(), r.tokensPerSecond(), out);
    }
  }
}
