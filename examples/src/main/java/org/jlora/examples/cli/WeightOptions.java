package org.jlora.examples.cli;

import org.jlora.examples.checkpoint.FiniteWeights;
import picocli.CommandLine.Option;

/** How weights are loaded: NaN and Inf are refused unless the user asks otherwise. */
public final class WeightOptions {
  @Option(names = "--allow-non-finite", description = "load weights that hold NaN or Inf (refused by default, naming the tensor)")
  boolean allowNonFinite;

  /** Sets the rule for every load that follows. */
  void apply() {
    FiniteWeights.allowNonFinite(allowNonFinite);
  }
}
