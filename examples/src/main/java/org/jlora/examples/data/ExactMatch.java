package org.jlora.examples.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.jlora.engine.Rng;

/**
 * Exact-match accuracy: the share of held-out examples whose completion is exactly the answer.
 *
 * <p>The examples come from {@link Task#sampleHeldOut} with a generator derived from the seed
 * through a salt, so even a caller that trains with {@code new Rng(seed)} evaluates on another
 * stream (and the built-in tasks on words never trained on). The same seed gives the same
 * examples, so scores before and after adaptation are comparable.
 */
public final class ExactMatch {
  /** How many (prompt, expected, got) samples a result keeps by default. */
  public static final int DEFAULT_SAMPLES = 5;
  /** Separates the evaluation stream from a training stream with the same seed. */
  private static final long EVAL_SALT = 0x6A09E667F3BCC909L;

  private ExactMatch() {}

  /** One scored completion. */
  public record Sample(String prompt, String expected, String got, boolean correct) {}

  /** The accuracy over {@code total} examples and the first few of them for printing. */
  public record Result(String task, int correct, int total, List<Sample> samples) {
    public Result {
      samples = List.copyOf(samples);
    }

    /** correct / total, in [0, 1]. */
    public double accuracy() {
      return (double) correct / total;
    }
  }

  /** {@link #evaluate(Task, int, long, Function, int)} keeping {@link #DEFAULT_SAMPLES} samples. */
  public static Result evaluate(Task task, int n, long seed, Function<String, String> complete) {
    return evaluate(task, n, seed, complete, DEFAULT_SAMPLES);
  }

  /**
   * Scores {@code complete} on {@code n} held-out examples of {@code task}.
   *
   * @param complete the model's greedy continuation of a prompt, which stops after the first
   *     '\n' (or at its length limit); it counts as correct when it equals the answer, with or
   *     without the answer's final '\n'
   * @param keepSamples how many of the examples to keep in {@link Result#samples()}
   */
  public static Result evaluate(Task task, int n, long seed, Function<String, String> complete, int keepSamples) {
    if (n <= 0) throw new IllegalArgumentException("ExactMatch.evaluate: n must be positive, got " + n);
    if (keepSamples < 0) throw new IllegalArgumentException("ExactMatch.evaluate: keepSamples must be >= 0, got " + keepSamples);
    Rng rng = new Rng(seed ^ EVAL_SALT);
    int correct = 0;
    List<Sample> samples = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Example example = task.sampleHeldOut(rng);
      String got = complete.apply(example.prompt());
      boolean right = matches(example.answer(), got);
      if (right) correct++;
      if (samples.size() < keepSamples) samples.add(new Sample(example.prompt(), example.answer(), got, right));
    }
    return new Result(task.name(), correct, n, samples);
  }

  /** {@link #evaluate}'s accuracy alone. */
  public static double accuracy(Task task, int n, long seed, Function<String, String> complete) {
    return evaluate(task, n, seed, complete, 0).accuracy();
  }

  /** Whether {@code got} is the answer, ignoring one trailing '\n' on either side. */
  static boolean matches(String answer, String got) {
    return got != null && stripNewline(answer).equals(stripNewline(got));
  }

  private static String stripNewline(String s) {
    return s.endsWith("\n") ? s.substring(0, s.length() - 1) : s;
  }
}
