package org.jlora.examples.train;

/**
 * Training stopped because the loss or a gradient became NaN or infinite. The trainer throws it
 * before the optimizer applies that step, so no non-finite number reaches the weights, a
 * checkpoint or an adapter: the model still holds the weights of the step before.
 *
 * <p>The message is for the user: the step, the learning rate, and what to try.
 */
public final class NonFiniteTrainingException extends ArithmeticException {
  private final int step;
  private final float lr;

  private NonFiniteTrainingException(String message, int step, float lr) {
    super(message);
    this.step = step;
    this.lr = lr;
  }

  /**
   * The loss of step {@code step} (1-based) of {@code total} came out as {@code loss};
   * {@code updateApplied} when a device step has already applied that step's update.
   */
  public static NonFiniteTrainingException loss(int step, int total, float lr, double loss, boolean updateApplied) {
    String weights = updateApplied ? "; the device step has applied its update, nothing non-finite will be saved"
        : unchanged(step);
    return new NonFiniteTrainingException(where(step, total) + "the loss is " + loss + " (learning rate " + lr + ")"
        + weights + "\n" + advice(lr) + "; a batch whose targets are all ignored gives a NaN loss)", step, lr);
  }

  /** The gradient of parameter {@code name} holds {@code value} at flat index {@code index}. */
  public static NonFiniteTrainingException gradient(int step, int total, float lr, String name, float value, int index) {
    return new NonFiniteTrainingException(where(step, total) + "the gradient of '" + name + "' holds " + value
        + " at index " + index + " (learning rate " + lr + ")" + unchanged(step) + "\n" + advice(lr) + ")", step, lr);
  }

  /** The step that failed, counted from 1. */
  public int step() {
    return step;
  }

  /** The learning rate at that step. */
  public float lr() {
    return lr;
  }

  private static String where(int step, int total) {
    return "training stopped at step " + step + " of " + total + ": ";
  }

  private static String unchanged(int step) {
    return "; the update was not applied, the weights are those after step " + (step - 1);
  }

  private static String advice(float lr) {
    return "Lower --lr (e.g. " + lr / 10 + ") or check the data (empty or corrupt examples";
  }
}
