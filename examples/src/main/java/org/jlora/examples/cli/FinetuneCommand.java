package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jlora.examples.data.CharTokenizer;
import org.jlora.examples.gpt.Checkpoint;
import org.jlora.examples.gpt.Gpt;
import org.jlora.examples.gpt.GptLora;
import org.jlora.examples.gpt.TrainConfig;
import org.jlora.examples.gpt.TrainResult;
import org.jlora.examples.gpt.Trainer;
import org.jlora.lora.LoraModel;
import org.jlora.lora.PeftAdapters;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jlora finetune}: adapts a pretrained checkpoint to a task, with LoRA (only the adapter
 * trains; saved in PEFT's format) or full fine-tuning (every weight trains; saved as a checkpoint).
 */
@Command(name = "finetune", mixinStandardHelpOptions = true,
    description = "Adapt a checkpoint to a task (default: adapt = rotate left, abcd -> bcda) with LoRA or full fine-tuning.")
public final class FinetuneCommand implements Runnable {
  @Mixin TrainOptions train;
  @Mixin OutputOptions output;

  @Option(names = "--base", defaultValue = ".jlora/base", description = "pretrained checkpoint (default ${DEFAULT-VALUE})")
  Path base;

  @Option(names = "--method", defaultValue = "lora", description = "lora | full (default ${DEFAULT-VALUE})")
  String method;

  @Option(names = "--rank", defaultValue = "8", description = "LoRA rank r (default ${DEFAULT-VALUE})")
  int rank;

  @Option(names = "--alpha", defaultValue = "16", description = "LoRA alpha; scaling = alpha / r (default ${DEFAULT-VALUE})")
  float alpha;

  @Option(names = "--lora-dropout", defaultValue = "0", description = "dropout on the LoRA path (default ${DEFAULT-VALUE})")
  float loraDropout;

  @Option(names = "--targets", defaultValue = "c_attn", split = ",",
      description = "modules to adapt, by name suffix (default ${DEFAULT-VALUE}: q and v of the fused projection)")
  List<String> targets;

  @Option(names = "--out", description = "adapter directory (lora, default .jlora/adapter) or checkpoint (full, default .jlora/full)")
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
    TrainOptions.Data data = train.data("adapt");
    Checkpoint.Loaded loaded = Models.load(base, null, false);
    CharTokenizer tok = loaded.tokenizer();
    if (!tok.equals(data.tokenizer())) {
      throw new IllegalArgumentException("the data's characters (" + data.tokenizer().vocabSize() + " symbols) do not match "
          + "the tokenizer of " + base + " (" + tok.vocabSize() + "); fine-tune on text with the base model's alphabet");
    }
    Gpt gpt = loaded.model();
    LoraModel lm = lora ? LoraModel.inject(gpt, GptLora.config(rank, alpha, loraDropout, targets, train.seed)) : null;
    TrainConfig tc = train.config(300, 16, Math.min(gpt.config().blockSize(), train.data != null ? 128 : 64),
        lora ? 3e-3f : 1e-3f, lora ? 0f : 0.1f);
    Trainer trainer = new Trainer(gpt, tc, data.train(), data.validation());
    trainer.progress("finetune " + method, output.mode()).onStep(TrainOptions.jsonLines(output));
    TrainResult r = trainer.run();
    Path dest = out != null ? out : Path.of(lora ? ".jlora/adapter" : ".jlora/full");
    try {
      if (lora) PeftAdapters.save(lm, "default", dest);
      else Checkpoint.save(dest, gpt, tok, null);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("method", method);
    m.putAll(r.summary());
    m.put("saved", dest.toString());
    if (output.json()) {
      System.out.println(OutputOptions.line(m));
    } else {
      System.out.printf("%s fine-tuning on %s: %d trainable params (%.2f%%), optimizer state %d bytes, train loss %.3f, "
              + "val loss %.3f, %.1f ms/step, %.0f tokens/s -> %s%n", method, data.name(), r.trainableParams(),
          100.0 * r.trainableParams() / r.totalParams(), r.optimizerStateBytes(), r.finalTrainLoss(), r.finalValLoss(),
          r.msPerStep(), r.tokensPerSecond(), dest);
    }
  }
}
