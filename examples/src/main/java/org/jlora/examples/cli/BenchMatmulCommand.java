package org.jlora.examples.cli;

import picocli.CommandLine.Command;

/** {@code jlora bench matmul}: placeholder until the matmul benchmark lands. */
@Command(name = "matmul", mixinStandardHelpOptions = true, description = "matmul GFLOP/s (median).")
public final class BenchMatmulCommand implements Runnable {
  @Override
  public void run() {
    throw new UnsupportedOperationException("bench matmul is not implemented yet");
  }
}
