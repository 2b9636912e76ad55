package org.jlora.examples.gpt;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a training run measured.
 *
 * @param trainCurve {steps[], losses[]}: the training loss of every step
 * @param valCurve {steps[], losses[]}: the validation loss at each evaluation
 * @param msPerStep median wall time of one optimizer step after warm-up (forward, backward, update)
 * @param tokensPerSecond tokens per step / median step time
 * @param peakHeapBytes the live heap at the fullest point of a training step (after the
 *                      forward pass, its graph held), measured once at the run's last step
 * @param optimizerStateBytes AdamW's moments (only for parameters that train)
 * @param trainableParams parameters that require a gradient
 * @param totalParams all parameters
 * @param interrupted the run stopped early when asked to (Ctrl-C, SIGTERM), after saving
 */
public record TrainResult(double[][] trainCurve, double[][] valCurve, double msPerStep, double tokensPerSecond,
                          long peakHeapBytes, long optimizerStateBytes, long trainableParams, long totalParams,
                          boolean interrupted) {

  /** A run that was not interrupted. */
  public TrainResult(double[][] trainCurve, double[][] valCurve, double msPerStep, double tokensPerSecond,
                     long peakHeapBytes, long optimizerStateBytes, long trainableParams, long totalParams) {
    this(trainCurve, valCurve, msPerStep, tokensPerSecond, peakHeapBytes, optimizerStateBytes, trainableParams,
        totalParams, false);
  }

  /** Mean training loss of the last (up to) 10 steps: less noisy than the very last step. */
  public double finalTrainLoss() {
    double[] l = trainCurve[1];
    if (l.length == 0) return Double.NaN;
    int n = Math.min(10, l.length);
    double s = 0;
    for (int i = l.length - n; i < l.length; i++) s += l[i];
    return s / n;
  }

  /** The last validation loss, NaN if none was taken. */
  public double finalValLoss() {
    double[] l = valCurve[1];
    return l.length == 0 ? Double.NaN : l[l.length - 1];
  }

  /** The headline numbers by name (for JSON output). */
  public Map<String, Object> summary() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("trainable_params", trainableParams);
    m.put("total_params", totalParams);
    m.put("optimizer_state_bytes", optimizerStateBytes);
    m.put("peak_heap_bytes", peakHeapBytes);
    m.put("ms_per_step", msPerStep);
    m.put("tokens_per_s", tokensPerSecond);
    m.put("final_train_loss", finalTrainLoss());
    m.put("final_val_loss", finalValLoss());
    if (interrupted) m.put("interrupted", true);
    return m;
  }
}
