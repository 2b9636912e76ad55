package org.jlora.examples.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code jlora} in a child JVM (this test's java, class path and backend), so a test can kill it:
 * SIGKILL with {@link Process#destroyForcibly()}, SIGTERM with {@link Process#destroy()}. Counts the
 * JSON step lines it prints (with {@code --json}) so the test knows training has begun.
 */
final class ChildJlora implements AutoCloseable {
  private final Process process;
  private final Path stderr;
  private final AtomicInteger stepLines = new AtomicInteger();
  private final Thread reader;

  private ChildJlora(Process process, Path stderr) {
    this.process = process;
    this.stderr = stderr;
    this.reader = Thread.ofVirtual().start(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          if (line.startsWith("{\"step\":")) stepLines.incrementAndGet();
        }
      } catch (IOException e) {
        // the child was killed: its output ends here
      }
    });
  }

  /** Starts {@code jlora args...} in {@code workDir}; its stderr goes to {@code stderr}. */
  static ChildJlora start(Path workDir, Path stderr, List<String> args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--add-modules", "jdk.incubator.vector", "-Xss8m",
        "-Djlora.backend=" + System.getProperty("jlora.backend", "vector"),
        "-cp", System.getProperty("java.class.path"), Main.class.getName()));
    cmd.addAll(args);
    Process p = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectError(stderr.toFile()).start();
    return new ChildJlora(p, stderr);
  }

  /** Waits (at most {@code seconds}) until the child has printed a step line or exited; false on timeout. */
  boolean awaitTraining(long seconds) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    while (stepLines.get() == 0 && process.isAlive()) {
      if (System.nanoTime() > end) return false;
      Thread.sleep(1);
    }
    return true;
  }

  /** Waits until the child has printed {@code n} step lines or exited. */
  void awaitSteps(int n) throws InterruptedException {
    while (stepLines.get() < n && process.isAlive()) Thread.sleep(0, 200_000);
  }

  Process process() {
    return process;
  }

  /** Waits for the exit (at most a minute) and returns its code. */
  int waitFor() throws InterruptedException {
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("the child jlora did not exit within a minute");
    }
    reader.join(5_000);
    return process.exitValue();
  }

  String stderr() throws IOException {
    return Files.exists(stderr) ? Files.readString(stderr) : "";
  }

  @Override
  public void close() {
    process.destroyForcibly();
  }
}
