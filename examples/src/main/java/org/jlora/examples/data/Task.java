package org.jlora.examples.data;

import org.jlora.engine.Rng;

/**
 * A generator of examples with a known right answer, so a model's completions can be scored by
 * exact match ({@link ExactMatch}). See {@link Tasks} for the built-in ones.
 */
public interface Task {
  /** The name used on the command line, e.g. "rev" or "base". */
  String name();

  /** A random training example. */
  Example sample(Rng rng);

  /**
   * A random evaluation example. The built-in tasks draw these from a held-out set of inputs that
   * {@link #sample} never produces, so accuracy measures generalisation, not memory; a task
   * without such a split falls back to {@link #sample} (then only the seed stream differs).
   */
  default Example sampleHeldOut(Rng rng) {
    return sample(rng);
  }
}
