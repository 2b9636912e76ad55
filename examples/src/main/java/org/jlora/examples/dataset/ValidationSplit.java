package org.jlora.examples.dataset;

import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.Rng;

/**
 * Examples for training and for validation, split by whole examples so that no validation text
 * was ever trained on (cutting one token stream at 90% would put half an example on each side).
 * The split is a seeded shuffle: the same seed picks the same validation examples on every run
 * and machine, so validation losses of separate runs compare.
 */
public record ValidationSplit(List<TokenizedExample> train, List<TokenizedExample> validation) {
  public ValidationSplit {
    train = List.copyOf(train);
    validation = List.copyOf(validation);
  }

  /**
   * Holds out {@code round(fraction * n)} examples (at least one) chosen by {@code seed}; both
   * kept in file order. {@code name} is the file, for the message when there are too few examples.
   */
  public static ValidationSplit byFraction(String name, List<TokenizedExample> examples, double fraction, long seed)
      throws DataFileException {
    if (!(fraction > 0 && fraction < 1)) {
      throw new IllegalArgumentException("the validation fraction must be between 0 and 1 (exclusive), got " + fraction);
    }
    int n = examples.size();
    int held = Math.max(1, (int) Math.round(fraction * n));
    if (n < 2 || held >= n) {
      throw new DataFileException(name, "has " + n + " example" + (n == 1 ? "" : "s") + ", too few to hold out "
          + Math.round(fraction * 100) + "% for validation and train on the rest; add examples or give a separate "
          + "validation file");
    }
    int[] order = new int[n];
    for (int i = 0; i < n; i++) order[i] = i;
    Rng rng = new Rng(seed);
    for (int i = n - 1; i > 0; i--) {   // Fisher-Yates
      int j = rng.nextInt(i + 1);
      int swap = order[i];
      order[i] = order[j];
      order[j] = swap;
    }
    boolean[] isValidation = new boolean[n];
    for (int i = 0; i < held; i++) isValidation[order[i]] = true;
    List<TokenizedExample> train = new ArrayList<>(n - held);
    List<TokenizedExample> validation = new ArrayList<>(held);
    for (int i = 0; i < n; i++) (isValidation[i] ? validation : train).add(examples.get(i));
    return new ValidationSplit(train, validation);
  }

  /** Training on all of {@code train}, validating on a separate file's examples. */
  public static ValidationSplit separate(List<TokenizedExample> train, List<TokenizedExample> validation) {
    return new ValidationSplit(train, validation);
  }

  @Override
  public String toString() {
    return "ValidationSplit[train=" + train.size() + " examples, validation=" + validation.size() + " examples]";
  }
}
