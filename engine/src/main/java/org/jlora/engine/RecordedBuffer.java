package org.jlora.engine;

import java.util.Arrays;

/**
 * A buffer of a recorded step ({@link org.jlora.engine.capture.StepCapture}): the recording
 * notes a temporary (an activation, a gradient) by one of these, its length and nothing else, so
 * the real array can be freed as soon as the step that made it is done with it, as it would be
 * without a recording. Whoever runs the recording gives it memory of its own (the host's arena,
 * {@link org.jlora.engine.capture.BufferPlan}, or a device region). Every run writes a temporary
 * before reading it, so it has no values to keep: it reads as zeros and refuses writes.
 */
public final class RecordedBuffer extends Storage {
  public RecordedBuffer(int length) {
    super(length);
  }

  @Override public DType dtype() { return DType.F32; }

  @Override public String location() { return "recording"; }

  @Override void read(int from, float[] dst, int dstOff, int n) {
    Arrays.fill(dst, dstOff, dstOff + n, 0f);
  }

  @Override void write(int to, float[] src, int srcOff, int n) {
    throw new IllegalStateException("a recorded step's buffer holds no values; run the recording to fill it");
  }
}
