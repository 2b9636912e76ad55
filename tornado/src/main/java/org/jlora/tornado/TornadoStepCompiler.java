package org.jlora.tornado;

import java.util.ArrayList;
import java.util.List;
import org.jlora.engine.Backend;
import org.jlora.engine.Storage;
import org.jlora.engine.Tensor;
import org.jlora.engine.capture.CapturedProgram;
import org.jlora.engine.capture.CompiledStep;
import org.jlora.engine.capture.StepCompiler;

/**
 * The "tornado" backend's {@link StepCompiler} (registered through ServiceLoader): a captured
 * training step (forward, loss, backward, clipping, AdamW as kernel-family calls) becomes chained
 * TornadoVM task graphs ({@link StepProgram}). Every call becomes the tasks of its device kernel
 * ({@link Lowerings}); a call with no device kernel refuses the whole step at compile time,
 * naming the method, rather than running on the host. Buffers that would not fit TornadoVM's
 * device heap are refused before anything is allocated, with the setting to raise.
 */
public final class TornadoStepCompiler implements StepCompiler {
  /** {@code -Djlora.tornado.tasksPerGraph}: tasks per TornadoVM graph (a graph holds at most 1024 nodes). */
  public static final String TASKS_PER_GRAPH = "jlora.tornado.tasksPerGraph";

  private final int tasksPerGraph;

  /** For ServiceLoader: tasks per graph from {@link #TASKS_PER_GRAPH}, else {@value StepProgram#DEFAULT_TASKS_PER_GRAPH}. */
  public TornadoStepCompiler() {
    this(Integer.getInteger(TASKS_PER_GRAPH, StepProgram.DEFAULT_TASKS_PER_GRAPH));
  }

  public TornadoStepCompiler(int tasksPerGraph) {
    if (tasksPerGraph < 1) throw new IllegalArgumentException("tasksPerGraph must be >= 1, got " + tasksPerGraph);
    this.tasksPerGraph = tasksPerGraph;
  }

  @Override public String backend() {
    return "tornado";
  }

  @Override public TornadoCompiledStep compile(CapturedProgram program, Backend backend) {
    DeviceGraph.configureRuntime();
    StepProgram step = new StepProgram("step", storages(program.floatInputs()), storages(program.outputs()),
        storages(concat(program.results(), program.inspected())), tasksPerGraph);
    step.lower(program.calls());
    return new TornadoCompiledStep(step.build());
  }

  /** Results and inspected tensors alike come back on {@code syncToHost}. */
  private static List<Tensor> concat(List<Tensor> a, List<Tensor> b) {
    List<Tensor> out = new ArrayList<>(a);
    out.addAll(b);
    return out;
  }

  private static List<Storage> storages(List<Tensor> tensors) {
    List<Storage> out = new ArrayList<>();
    for (Tensor t : tensors) if (!out.contains(t.storage())) out.add(t.storage());
    return out;
  }
}
