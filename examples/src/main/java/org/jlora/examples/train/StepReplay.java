package org.jlora.examples.train;

import java.util.Locale;

/**
 * Whether the trainer records its training step once and runs the recording from then on
 * ({@link org.jlora.autograd.capture.CapturedTraining}) instead of building the autograd graph
 * every step. The results are the same either way, bit for bit.
 */
public enum StepReplay {
  /** Replay where the backend compiles recorded steps for a device (TornadoVM); on the CPU, the graph every step. */
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
