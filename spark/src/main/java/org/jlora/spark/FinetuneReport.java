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
 * @param sentBytesPerStep bytes task 0 put on the wire per step: (N-1) messages for the ring,
 *     one Base64 message (4/3 the size) to the driver for the barrier exchange
 * @param stepsPerSecond steps of this run per second of its training loop (model loading excluded)
 * @param exchangeSecondsPerStep task 0's time in the exchange a step (waiting for the others included)
 */
public record FinetuneReport(List<Float> losses, int resumedFrom, String adapterDir, long bytesPerStep,
                             long sentBytesPerStep, double stepsPerSecond, double exchangeSecondsPerStep) implements Serializable {
  public FinetuneReport {
    losses = List.copyOf(losses);
  }

  /** The last step's loss. */
  public float finalLoss() {
    return losses.get(losses.size() - 1);
  }
}
