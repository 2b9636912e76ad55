package org.jlora.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.jlora.examples.checkpoint.Llama2cCheckpoint;
import org.jlora.examples.model.llama.HfLlama;
import org.jlora.examples.model.llama.Llama;
import org.jlora.lora.LoraConfig;

/** Loading the frozen base on an executor, and the LoRA config every task injects identically. */
final class BaseModels {
  private BaseModels() {}

  /** A Hugging Face Llama/Qwen2 directory or a llama2.c .bin checkpoint. */
  static Llama load(String path) {
    Path p = Path.of(path);
    try {
      if (Files.isDirectory(p)) return HfLlama.load(p);
      if (Files.isRegularFile(p)) return Llama2cCheckpoint.read(p);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load the base model " + path + ": " + e.getMessage(), e);
    }
    throw new IllegalArgumentException("the base model " + path + " does not exist on this executor"
        + " (it must be on a path every executor can read)");
  }

  /** The config's LoRA settings; the seed makes every task's initial adapter the same. */
  static LoraConfig lora(SparkFinetuneConfig cfg) {
    return LoraConfig.builder().r(cfg.rank()).loraAlpha(cfg.alpha()).loraDropout(cfg.loraDropout())
        .targetModules(cfg.targetModules()).seed(cfg.seed()).build();
  }
}
