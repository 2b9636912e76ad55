package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import org.jlora.examples.checkpoint.BaseDType;
import org.jlora.examples.checkpoint.Pretrained;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code jlora merge}: folds a LoRA adapter into its base model (W + s·BA) and writes the result as
 * a model of its own, which runs at the base model's speed with no adapter code: a Hugging Face
 * directory (safetensors, config.json, tokenizer files) or a llama2.c .bin that llama2.c's run.c reads.
 */
@Command(name = "merge", mixinStandardHelpOptions = true, sortOptions = false,
    description = {"Merge an adapter into its base model and save the result (without --adapter: convert the model).",
        "  jlora merge --model stories260K.bin --adapter my-adapter --out merged.bin",
        "  jlora merge --model SmolLM2-135M --adapter my-adapter --out SmolLM2-135M-merged",
        "  jlora merge --model stories260K.bin --out stories260K-hf      (a llama2.c model as a Hugging Face directory)"})
public final class MergeCommand implements Runnable {
  @Option(names = "--model", required = true,
      description = "the base model: a Hugging Face directory, a llama2.c .bin, or a jlora checkpoint")
  Path model;

  @Option(names = "--tokenizer", description = "tokenizer file or directory, if not the one found with the model")
  Path tokenizer;

  @Option(names = "--adapter", description = "the PEFT adapter directory to merge (none: only convert the model)")
  Path adapter;

  @Option(names = "--out", required = true, description = "where to write: a name ending in .bin writes a llama2.c"
      + " checkpoint, anything else a Hugging Face directory (a jlora checkpoint for the toy model)")
  Path out;

  @Option(names = "--force", description = "replace an existing .bin file at --out (directories are replaced only"
      + " when jlora wrote them, never with files of yours)")
  boolean force;

  @Mixin OutputOptions output;
  @Mixin WeightOptions weights;

  @Override
  public void run() {
    weights.apply();
    // a merge writes the base weights, so they load in f32 even from a bf16 checkpoint, and the merged
    // model is written in f32 (twice the bytes of a bf16 original; nothing is rounded again)
    Models.Loaded merged = Models.open(model, tokenizer, adapter, true, BaseDType.F32);   // safe merge: refused if non-finite
    Pretrained p = merged.pretrained();
    Pretrained.Format format = p.formatFor(out);
    try {
      p.save(merged.model(), out, format, force);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    String what = switch (format) {
      case LLAMA2C -> "a llama2.c checkpoint";
      case HUGGING_FACE -> "a Hugging Face directory";
      case JLORA_GPT -> "a jlora checkpoint";
    };
    if (output.json()) {
      System.out.println(OutputOptions.line(java.util.Map.of("saved", out.toString(), "format", format.name().toLowerCase())));
    } else {
      System.out.println((adapter != null ? "merged " + adapter + " into " + model : "converted " + model) + " -> " + out
          + " (" + what + ")");
    }
  }
}
