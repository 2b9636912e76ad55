package org.jlora.examples.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jlora} command line. */
@Command(name = "jlora", mixinStandardHelpOptions = true, version = "jlora 0.1.0",
    description = "LoRA fine-tuning in pure Java.",
    subcommands = {PretrainCommand.class, FinetuneCommand.class, GenerateCommand.class, EvalCommand.class,
        DemoCommand.class, BenchCommand.class, CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    System.exit(commandLine().execute(args));
  }

  /** The configured command line (tests call {@code execute} on it). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("jlora: " + ex.getMessage());
      return 1;
    });
    return cl;
  }
}
