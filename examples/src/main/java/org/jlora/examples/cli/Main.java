package org.jlora.examples.cli;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.NoSuchFileException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code jlora} command line. */
@Command(name = "jlora", mixinStandardHelpOptions = true, version = "jlora 0.1.0",
    description = "LoRA fine-tuning in pure Java.",
    subcommands = {DemoCommand.class, FinetuneCommand.class, GenerateCommand.class, EvalCommand.class,
        MergeCommand.class, TokenizeCommand.class, PretrainCommand.class, ToyDemoCommand.class, BenchCommand.class,
        CommandLine.HelpCommand.class})
public final class Main implements Runnable {
  @CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    spec.commandLine().usage(System.out);
  }

  public static void main(String[] args) {
    int code;
    try {
      code = commandLine().execute(args);
    } catch (OutOfMemoryError e) {
      // picocli hands errors on; running out of heap is the user's to fix, so it gets the message
      System.err.println("jlora: " + message(e));
      code = 1;
    }
    System.exit(code);
  }

  /** The configured command line (tests call {@code execute} on it). */
  public static CommandLine commandLine() {
    CommandLine cl = new CommandLine(new Main());
    cl.setExecutionExceptionHandler((ex, commandLine, parseResult) -> {
      commandLine.getErr().println("jlora: " + message(ex));
      if (System.getenv("JLORA_DEBUG") != null) ex.printStackTrace(commandLine.getErr());
      return 1;
    });
    return cl;
  }

  /**
   * What a user reads when a command fails: the message that names the file, key or option and
   * what to do; never a Java class name. An error that is not one of the expected kinds is a bug
   * in jlora, and says so.
   */
  public static String message(Throwable ex) {
    Throwable e = ex instanceof UncheckedIOException u && u.getCause() != null ? u.getCause() : ex;
    if (e instanceof NoSuchFileException f) {
      return f.getFile() + ": " + (f.getReason() != null ? f.getReason() : "no such file or directory");
    }
    if (e instanceof AccessDeniedException f) return f.getFile() + ": permission denied";
    if (e instanceof FileSystemException f) {
      return (f.getFile() != null ? f.getFile() + ": " : "") + (f.getReason() != null ? f.getReason() : "file system error");
    }
    if (e instanceof OutOfMemoryError) {
      return "out of memory; give the JVM more heap, e.g. JLORA_JAVA_OPTS=-Xmx16g, or use a smaller --batch or --context";
    }
    String m = e.getMessage();
    if (e instanceof IOException || e instanceof IllegalArgumentException || e instanceof IllegalStateException
        || e instanceof UnsupportedOperationException || e instanceof ArithmeticException) {
      return m != null ? m : "failed without a message (a bug in jlora; JLORA_DEBUG=1 shows where)";
    }
    return "internal error (a bug in jlora, please report it with JLORA_DEBUG=1's output): " + (m != null ? m : e);
  }
}
