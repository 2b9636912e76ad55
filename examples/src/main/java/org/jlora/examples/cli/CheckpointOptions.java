package org.jlora.examples.cli;

import java.nio.file.Path;
import java.time.Duration;
import org.jlora.examples.train.Checkpointing;
import picocli.CommandLine.Option;

/** How a long run saves itself and resumes: shared by pretrain and finetune. */
public final class CheckpointOptions {
  /** How long a Ctrl-C waits for the current step and the save. */
  static final long STOP_GRACE_SECONDS = 60;

  @Option(names = "--resume", arity = "0..1", fallbackValue = "", paramLabel = "DIR",
      description = "continue the run saved in DIR (default: this run's checkpoint directory) with the same settings")
  String resume;

  @Option(names = "--save-every", defaultValue = "" + Checkpointing.DEFAULT_EVERY_STEPS,
      description = "save a resumable checkpoint every N steps (0: not by steps; default ${DEFAULT-VALUE})")
  int saveEvery;

  @Option(names = "--save-minutes", defaultValue = "5",
      description = "save a resumable checkpoint every M minutes (0: not by time; default ${DEFAULT-VALUE})")
  double saveMinutes;

  /** Refuses negative periods before anything runs. */
  void check() {
    if (saveEvery < 0) throw new IllegalArgumentException("--save-every must be >= 0, got " + saveEvery);
    if (!(saveMinutes >= 0)) throw new IllegalArgumentException("--save-minutes must be >= 0, got " + saveMinutes);
  }

  /** The directory to resume from: the one given, {@code defaultDir} for a bare --resume, null without it. */
  Path resumeDir(Path defaultDir) {
    return resume == null ? null : resume.isEmpty() ? defaultDir : Path.of(resume);
  }

  /** The time between saves. */
  Duration interval() {
    return Duration.ofMillis((long) (saveMinutes * 60_000));
  }
}
