package org.jlora.spark;

import java.io.Serializable;
import java.util.List;

/**
 * What a data-parallel run did, as task 0 saw it.
 *
 * @param losses the global batch's mean loss at every step, those of a resumed-from run included
 * @param resumedFrom the steps a checkpoint had already done (0 for a fresh run)
 * @param adapterDir where the adapter was written (PEFT's format)
 * @param bytesPerStep bytes of one task's gradient message per step (raw floats)
 * @param wireBytesPerStep the same message as the barrier all-gather carries it (Base64)
 * @param stepsPerSecond steps of this run per second of its training loop (model loading excluded)
 */
public record FinetuneReport(List<Float> losses, int resumedFrom, String adapterDir, long bytesPerStep,
                             long wireBytesPerStep, double stepsPerSecond) implements Serializable {
  public FinetuneReport {
    losses = List.copyOf(losses);
  }

  /** The last step's loss. */
  public float finalLoss() {
    return losses.get(losses.size() - 1);
  }
}
