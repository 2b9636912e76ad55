package org.jlora.examples.train;

import java.util.Locale;

/**
 * Whether the trainer records its training step once and runs the recording from then on
 * ({@link org.jlora.autograd.capture.CapturedTraining}) instead of building the autograd graph
 * every step. The results are the same either way, bit for bit.
 *
 * <p>Generation's decode step ({@link org.jlora.examples.generate.Generator#decodeReplay}) takes
 * the same values, but there AUTO records only where a device compiles the step: a generation
 * records its step again (its cache is sized for it), and on the CPU that costs more than the
 * replay of one generation's tokens saves.
 */
public enum StepReplay {
  /**
   * Replay whenever the step can be recorded (on the CPU: no graph built and no buffer allocated per
   * step, the buffers laid out by lifetime; on a device: the compiled step); a step that cannot be
   * (dropout, gradient accumulation) builds the graph every step, saying why once.
   */
  AUTO,
  /** Always replay; a run that cannot be recorded (dropout, gradient accumulation) is refused, saying why. */
  ON,
  /** Never replay. */
  OFF;

  /** Parses "auto", "on" or "off" (the CLI's {@code --step-replay}). */
  public static StepReplay parse(String value) {
    try {
      return valueOf(value.trim().toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--step-replay: '" + value + "' is not one of auto, on, off");
    }
  }
}
