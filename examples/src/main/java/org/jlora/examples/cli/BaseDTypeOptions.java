package org.jlora.examples.cli;

import org.jlora.examples.checkpoint.BaseDType;
import picocli.CommandLine.Option;

/** {@code --base-dtype}: how the model's frozen weight matrices are kept in memory ({@link BaseDType}). */
public final class BaseDTypeOptions {
  @Option(names = "--base-dtype", defaultValue = "auto", paramLabel = "auto|bf16|f32",
      description = "keep frozen weight matrices in bf16, half the memory of f32 (auto: when the checkpoint stores"
          + " bf16 and the run does not write them; default ${DEFAULT-VALUE})")
  String baseDType;

  BaseDType get() {
    return BaseDType.parse(baseDType);
  }
}
