package org.jlora.engine.capture;

/**
 * A captured step made ready to run, once per training step, without rebuilding the autograd
 * graph. Before each {@link #run()} the host writes the program's per-step inputs (token ids,
 * targets, the optimizer's scalars) into the very arrays and tensors the capture recorded; after
 * it, the program's outputs (the loss) hold this step's values on the host.
 */
public interface CompiledStep extends AutoCloseable {

  /** Runs every kernel call of the step once. */
  void run();

  /**
   * Brings the program's results (trained parameters, optimizer moments) into their host
   * tensors; a no-op where the step runs on the host already.
   */
  void syncToHost();

  /** One line for the user: where and how the step runs. */
  String describe();

  /** Frees device buffers, if any. */
  @Override
  default void close() {}
}
