package org.jlora.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** {@code jlora bench ...}: benchmarks that print medians after warm-up. */
@Command(name = "bench", mixinStandardHelpOptions = true,
    description = "Benchmarks: median over repeated runs after warm-up.",
    subcommands = {BenchMatmulCommand.class, BenchLayerCommand.class, BenchTrainCommand.class,
        BenchGenerateCommand.class})
public final class BenchCommand implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }
}
