package org.jlora.examples.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Stream;
import org.jlora.engine.Tensor;
import org.jlora.examples.gpt.Checkpoint;
import org.jlora.examples.train.TrainerState;
import org.jlora.lora.io.AtomicDirectories;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jlora pretrain} killed in a child JVM at random points, during training and during its
 * periodic saves: whatever is left at {@code --out} is the last completed checkpoint (or nothing,
 * when the first save never completed), it loads, and resuming it ends with the very weights of a
 * run that was never interrupted. A SIGTERM instead makes the run save, say how to resume, and exit.
 */
class PretrainCrashTest {
  static final int TRIALS = 12;
  static final int STEPS = 30;

  static List<String> args(int steps, Path out, String... more) {
    List<String> a = new ArrayList<>(List.of("pretrain", "--model", "nano", "--steps", "" + steps, "--batch", "4",
        "--context", "16", "--seed", "3", "--json", "--out", out.toString()));
    a.addAll(List.of(more));
    return a;
  }

  /** One kill: where it ran, how often it saved, and what happened. */
  record Trial(int index, Path work, int saveEvery, boolean killedWhileRunning, boolean killedInsideASave) {
    Path out() {
      return work.resolve("ckpt");
    }
  }

  @Test
  void sigkillAtRandomPointsLeavesACheckpointThatResumesToTheSameWeights(@TempDir Path dir) throws Exception {
    long t0 = System.nanoTime();
    Map<String, Tensor> expected = uninterrupted(dir, STEPS);
    long seed = System.nanoTime();
    int trials = Integer.getInteger("jlora.crash.trials", TRIALS);
    // the children start and die two at a time (a JVM's start is mostly waiting); verification follows in this JVM
    ExecutorService pool = Executors.newFixedThreadPool(2);
    List<Future<Trial>> runs = new ArrayList<>();
    for (int i = 0; i < trials; i++) {
      int index = i;
      runs.add(pool.submit(() -> killOne(dir, index, new Random(seed + index))));
    }
    pool.shutdown();
    int killedWhileRunning = 0;
    int killedInsideASave = 0;
    int nothingSavedYet = 0;
    for (Future<Trial> run : runs) {
      Trial t = run.get();
      String what = "trial " + t.index() + " (seed " + seed + ", --save-every " + t.saveEvery() + ")";
      if (t.killedWhileRunning()) killedWhileRunning++;
      if (t.killedInsideASave()) killedInsideASave++;
      CliTest.Run resumed;
      boolean setAside = list(t.work()).stream().anyMatch(n -> n.endsWith(".jlora-old"));   // killed between the renames
      if (Files.exists(t.out()) || setAside) {
        AtomicDirectories.recover(t.out());
        assertEquals(List.of(Checkpoint.CONFIG, Checkpoint.MODEL, Checkpoint.OPTIMIZER, Checkpoint.TOKENIZER,
            Checkpoint.TRAINER), list(t.out()), what + ": a whole checkpoint or none");
        int step = TrainerState.read(t.out()).step();
        assertTrue(step == STEPS || step % t.saveEvery() == 0, what + ": saved at step " + step);
        Checkpoint.load(t.out());
        resumed = CliTest.run(args(STEPS, t.out(), "--save-every", "" + t.saveEvery(), "--resume").toArray(String[]::new));
      } else {
        nothingSavedYet++;
        resumed = CliTest.run(args(STEPS, t.out(), "--save-every", "" + t.saveEvery()).toArray(String[]::new));
      }
      assertEquals(0, resumed.code(), what + ": " + resumed.err());
      assertEquals(List.of("ckpt"), list(t.work()), what + ": the temporaries of a killed save are gone");
      assertSameWeights(expected, Checkpoint.load(t.out()).model().stateDict(), what);
    }
    System.out.printf("PretrainCrashTest: %d SIGKILL trials (seed %d) in %.0f s: %d killed while running, %d of them "
        + "inside a save, %d before the first save; every one resumed to the uninterrupted run's weights%n", trials, seed,
        (System.nanoTime() - t0) / 1e9, killedWhileRunning, killedInsideASave, nothingSavedYet);
  }

  /**
   * Starts a run that saves every 1, 2 or 3 steps and kills it: in even trials after a random number
   * of steps, in odd ones while a save is being written (its temporary directory exists).
   */
  private static Trial killOne(Path dir, int index, Random random) throws Exception {
    Path work = Files.createDirectories(dir.resolve("trial-" + index));
    int saveEvery = 1 + index % 3;
    try (ChildJlora child = ChildJlora.start(work, dir.resolve("trial-" + index + ".err"),
        args(STEPS, work.resolve("ckpt"), "--save-every", "" + saveEvery))) {
      if (!child.awaitTraining(120)) throw new AssertionError("trial " + index + ": no step in 2 minutes\n" + child.stderr());
      if (index % 2 == 0) {
        child.awaitSteps(1 + random.nextInt(STEPS - 1));
        Thread.sleep(0, random.nextInt(1_000_000));
      } else {
        awaitASave(work, random.nextInt(4), child.process());
      }
      boolean running = child.process().isAlive();
      child.process().destroyForcibly();
      int code = child.waitFor();
      if (!running && code != 0) throw new AssertionError("trial " + index + " failed on its own\n" + child.stderr());
      boolean insideASave = list(work).stream().anyMatch(n -> n.endsWith(".jlora-tmp") || n.endsWith(".jlora-old"));
      return new Trial(index, work, saveEvery, running, insideASave);
    }
  }

  @Test
  void sigtermSavesSaysHowToResumeAndTheResumedRunEndsIdentically(@TempDir Path dir) throws Exception {
    int steps = 400;
    Map<String, Tensor> expected = uninterrupted(dir, steps);
    Path out = dir.resolve("run").resolve("ckpt");
    String err;
    try (ChildJlora child = ChildJlora.start(Files.createDirectories(dir.resolve("run")), dir.resolve("run.err"),
        args(steps, out, "--save-every", "0", "--save-minutes", "0"))) {
      assertTrue(child.awaitTraining(60), child.stderr());
      child.process().destroy();   // SIGTERM
      assertEquals(143, child.waitFor(), "the JVM's exit status for SIGTERM\n" + child.stderr());
      err = child.stderr();
    }
    int step = TrainerState.read(out).step();
    assertTrue(step > 0 && step < steps, "stopped at step " + step);
    assertTrue(err.contains("jlora: stopped after step " + step + " of " + steps + "; saved a checkpoint in " + out), err);
    String command = err.lines().filter(l -> l.startsWith("jlora: resume with: ")).findFirst().orElseThrow()
        .substring("jlora: resume with: ".length());
    assertEquals(String.join(" ", args(steps, out, "--save-every", "0", "--save-minutes", "0")) + " --resume " + out,
        command.substring("jlora ".length()), "the same command, resuming");

    CliTest.Run resumed = CliTest.run(command.substring("jlora ".length()).split(" "));
    assertEquals(0, resumed.code(), resumed.err());
    assertSameWeights(expected, Checkpoint.load(out).model().stateDict(), "resumed after SIGTERM at step " + step);
    CliTest.Run again = CliTest.run(command.substring("jlora ".length()).split(" "));
    assertEquals(0, again.code(), again.err());
    assertTrue(again.out().contains("\"finished\":true") && !again.out().contains("NaN"), again.out());
  }

  /** The final weights of the run that nobody interrupted, trained in this JVM. */
  private static Map<String, Tensor> uninterrupted(Path dir, int steps) throws Exception {
    Path ref = dir.resolve("reference-" + steps);
    CliTest.Run r = CliTest.run(args(steps, ref, "--save-every", "0").toArray(String[]::new));
    assertEquals(0, r.code(), r.err());
    return Checkpoint.load(ref).model().stateDict();
  }

  /** Returns once the {@code skip + 1}-th save has begun (a temporary sibling of the checkpoint exists), or the child ended. */
  private static void awaitASave(Path work, int skip, Process child) throws Exception {
    boolean inSave = false;
    while (child.isAlive()) {
      boolean now = list(work).stream().anyMatch(n -> n.endsWith(".jlora-tmp"));
      if (now && !inSave && skip-- == 0) return;
      inSave = now;
      Thread.sleep(0, 200_000);   // a save takes milliseconds (each file is synced)
    }
  }

  /** The names in a directory, sorted. */
  private static List<String> list(Path dir) throws Exception {
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    }
  }

  private static void assertSameWeights(Map<String, Tensor> expected, Map<String, Tensor> actual, String what) {
    assertEquals(expected.keySet(), actual.keySet(), what);
    for (String k : expected.keySet()) {
      assertTrue(Arrays.equals(expected.get(k).toArray(), actual.get(k).toArray()), what + ": " + k + " differs");
    }
  }
}
