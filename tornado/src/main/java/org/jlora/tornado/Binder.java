package org.jlora.tornado;

import org.jlora.engine.Tensor;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.WorkerGrid;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * What a {@link Lowering} asks for while it turns one kernel-family call into device tasks: the
 * device window of each tensor operand, small device arrays of constants and scratch, the token
 * ids, and a place for its tasks. Two implementations decide where those live: {@link CallOffload}
 * (one call, run now: host tensors staged per call, tornado tensors as they are) and
 * {@link StepProgram} (a whole captured step: every buffer a region of one resident device arena).
 */
abstract class Binder {
  /** A device window: the element of {@link #mem()} its window starts at. */
  record Buf(int offset) {}

  /** Adds one task to {@code graph} under the name {@code task}. */
  @FunctionalInterface
  interface Emit {
    void into(TaskGraph graph, String task);
  }

  /**
   * The one device array every window of this binder lies in (the kernels take it once, with an
   * offset per operand: TornadoVM's graph builder turns an array passed twice to one task, once
   * written, into a cycle). Valid when the tasks are emitted.
   */
  abstract FloatArray mem();

  /** A tensor the tasks only read. */
  abstract Buf read(Tensor t);

  /** A tensor the tasks write every element of (and may read). */
  abstract Buf write(Tensor t);

  /** A tensor the tasks read and write (accumulate, in place). */
  abstract Buf update(Tensor t);

  /** Floats fixed by the call (eps, alpha, a fill value), readable by the tasks. */
  abstract Buf constants(float... values);

  /** {@code n} floats of device scratch for the call's tasks (partial sums). */
  abstract Buf scratch(int n);

  /** A stand-in for an absent (null) operand that the tasks are told not to touch. */
  abstract Buf absent();

  /**
   * Host ints (token ids, targets) for the tasks; every value must lie in {@code [0, bound)}
   * (or equal {@code allowed}), checked on the host whenever they are sent.
   */
  abstract IntArray ints(String what, int[] values, int bound, int allowed);

  /** Adds a task with the given work-group layout (null: TornadoVM chooses). */
  abstract void task(WorkerGrid grid, Emit emit);

  final void task(Emit emit) {
    task(null, emit);
  }

  /** Tasks this binder has added so far. */
  abstract int tasks();
}
