package org.jlora.examples.ui;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ProgressTest {
  /** Runs body with System.err and System.out captured; returns what both got. */
  private static String captureStdStreams(Runnable body) {
    PrintStream err = System.err;
    PrintStream out = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream capture = new PrintStream(captured, true, StandardCharsets.UTF_8);
    System.setErr(capture);
    System.setOut(capture);
    try {
      body.run();
    } finally {
      System.setErr(err);
      System.setOut(out);
    }
    return captured.toString(StandardCharsets.UTF_8);
  }

  @Test
  void quietAndJsonModesPrintNothing() {
    for (Progress.Mode mode : new Progress.Mode[] {Progress.Mode.QUIET, Progress.Mode.JSON}) {
      String printed = captureStdStreams(() -> {
        try (Progress progress = Progress.start("train", 100, mode)) {
          for (int step = 1; step <= 100; step++) progress.step(step, "loss 1.234 | 12.3k tok/s");
          assertEquals(100, progress.done());
        }
      });
      assertEquals("", printed, mode + " printed something");
    }
  }

  @Test
  void barModeDrawsTheTaskAndTheExtraMessage() {
    ByteArrayOutputStream drawn = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(drawn, true, StandardCharsets.UTF_8);
    try (Progress progress = Progress.start("pretrain", 10, Progress.Mode.BAR, out)) {
      for (int step = 1; step <= 10; step++) progress.step(step, "loss 0.5" + step);
    }
    String text = drawn.toString(StandardCharsets.UTF_8);
    assertTrue(text.contains("pretrain"), text);
    assertTrue(text.contains("10/10"), text);
    assertTrue(text.contains("loss 0.510"), text);
  }

  @Test
  void misuseIsRejected() {
    assertThrows(IllegalArgumentException.class, () -> Progress.start("x", -1, Progress.Mode.QUIET));
    Progress progress = Progress.start("x", 5, Progress.Mode.QUIET);
    assertThrows(IllegalArgumentException.class, () -> progress.step(-1, null));
    progress.close();
    progress.close();
    assertThrows(IllegalStateException.class, () -> progress.step(1, null));
  }
}
