package org.jlora.tornado;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.Map;
import org.jlora.engine.HostFloats;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.CompiledStep;
import uk.ac.manchester.tornado.api.types.arrays.FloatArray;
import uk.ac.manchester.tornado.api.types.arrays.IntArray;

/**
 * A captured training step compiled for a TornadoVM device ({@link TornadoStepCompiler}): each
 * {@link #run()} sends the per-step inputs (hyper-parameter tensors, token ids), runs the chained
 * graphs and brings the outputs (the loss) back into their host storages; everything else stays
 * on the device until {@link #syncToHost()} copies the results (trained parameters, optimizer
 * moments) into their storages.
 */
public final class TornadoCompiledStep implements CompiledStep {
  private final StepProgram.Built built;
  private boolean ran;
  private boolean closed;

  TornadoCompiledStep(StepProgram.Built built) {
    this.built = built;
  }

  /** One step on the device. */
  public synchronized void run() {
    checkOpen();
    MemorySegment in = built.inputArray().getSegment();
    for (Map.Entry<Storage, Integer> e : built.inputAt().entrySet()) {
      Storage s = e.getKey();
      float[] values = s instanceof HostFloats h ? h.array() : Tensor.on(s, 0, s.length()).toArray();
      MemorySegment.copy(values, 0, in, ValueLayout.JAVA_FLOAT, (long) e.getValue() * Float.BYTES, s.length());
    }
    for (Map.Entry<int[], IntArray> e : built.ints().entrySet()) {
      int[] host = e.getKey();
      List<int[]> bounds = built.intBounds().get(host);
      List<String> names = built.intNames().get(host);
      for (int i = 0; i < bounds.size(); i++) CallOffload.checkInts(names.get(i), host, bounds.get(i)[0], bounds.get(i)[1]);
      MemorySegment.copy(host, 0, e.getValue().getSegment(), ValueLayout.JAVA_INT, 0, host.length);
    }
    built.graph().run();
    ran = true;
    MemorySegment out = built.outputArray().getSegment();
    for (Map.Entry<Storage, Integer> e : built.outputAt().entrySet()) {
      write(e.getKey(), out, e.getValue());
    }
  }

  /** Copies the results' device values into their storages (host arrays or tornado storage). */
  public synchronized void syncToHost() {
    checkOpen();
    if (!ran) return;   // nothing changed on the device yet
    built.graph().transferToHost(built.arena());
    MemorySegment arena = built.arena().getSegment();
    for (Storage s : built.results()) write(s, arena, built.regions().get(s));
  }

  private static void write(Storage s, MemorySegment from, int at) {
    if (s instanceof HostFloats h) {
      MemorySegment.copy(from, ValueLayout.JAVA_FLOAT, (long) at * Float.BYTES, h.array(), 0, s.length());
    } else if (s instanceof TornadoStorage d) {
      MemorySegment.copy(from, (long) at * Float.BYTES, d.array().getSegment(), 0, (long) s.length() * Float.BYTES);
    } else {
      float[] values = new float[s.length()];
      MemorySegment.copy(from, ValueLayout.JAVA_FLOAT, (long) at * Float.BYTES, values, 0, s.length());
      Tensor.on(s, 0, s.length()).copyFrom(Tensor.of(values, s.length()));
    }
  }

  /** What runs where: graphs, tasks, the arena's size, what moves each step. */
  public String describe() {
    return built.description();
  }

  /** Graphs per step. */
  public int graphCount() {
    return built.graph().graphCount();
  }

  @Override public synchronized void close() {
    if (closed) return;
    closed = true;
    built.graph().close();
  }

  private void checkOpen() {
    if (closed) throw new IllegalStateException("tornado: this compiled step is closed");
  }

  FloatArray arena() {
    return built.arena();
  }
}
