package org.jlora.tornado;

import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.ImmutableTaskGraph;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.TornadoExecutionResult;
import uk.ac.manchester.tornado.api.enums.TornadoVMBackendType;
import uk.ac.manchester.tornado.api.exceptions.TornadoBailoutRuntimeException;

/**
 * One compiled task graph and its execution plan, built once per kernel shape and reused. A
 * bailout (TornadoVM giving up on compiling a kernel and running the Java method sequentially) is
 * an error here: KernelContext kernels are wrong when run as plain Java, and the others would be
 * silently slow; {@link #configureRuntime} starts the runtime with {@code tornado.recover.bailout=false}
 * so a bailout surfaces as an exception, which {@link #run()} names.
 */
final class DeviceGraph {
  private static final String RECOVER_BAILOUT = "tornado.recover.bailout";
  private static final String BYTECODE_SIZE = "tornado.tvm.maxbytecodesize";
  /** TornadoVM's bytecode buffer per graph: a whole training step needs far more than its default 4 KiB. */
  private static final String BYTECODE_BYTES = Integer.toString(1 << 20);

  /**
   * Sets the TornadoVM options jlora relies on before any graph loads TornadoVM's option classes
   * (they read them once): bailouts are errors ({@code tornado.recover.bailout=False}; refused
   * where explicitly turned back on), and room for the bytecode of a whole-step graph
   * ({@code tornado.tvm.maxbytecodesize}, unless set).
   */
  static synchronized void configureRuntime() {
    String recover = System.getProperty(RECOVER_BAILOUT);
    if (recover == null) {
      System.setProperty(RECOVER_BAILOUT, "False");
    } else if (Boolean.parseBoolean(recover)) {
      throw new IllegalStateException("tornado backend: -D" + RECOVER_BAILOUT + "=" + recover
          + " would let a kernel fall back to sequential Java silently; drop it or set it to False");
    }
    if (System.getProperty(BYTECODE_SIZE) == null) System.setProperty(BYTECODE_SIZE, BYTECODE_BYTES);
  }

  /**
   * OpenCL build options: TornadoVM's defaults less {@code -cl-fast-relaxed-math}, which implies
   * {@code -cl-finite-math-only} and lets a driver drop the kernels' NaN tests ({@code v != v})
   * and reorder sums; a step's NaN must surface as it does on the CPU.
   */
  static final String OPENCL_FLAGS = "-cl-mad-enable -w";

  /** Graph executions in this JVM (tests use it to check a step really ran on the device). */
  private static final AtomicLong RUNS = new AtomicLong();
  /** Execution plans built in this JVM: each compiles its kernels on its first run (tests count them). */
  private static final AtomicLong BUILT = new AtomicLong();

  private final String name;
  private final TornadoExecutionPlan plan;
  private final int graphs;
  private TornadoExecutionResult last;

  /** {@code graph}: its tasks and transfers; {@code grid}: work-group sizes, or null for TornadoVM's. */
  DeviceGraph(String name, TaskGraph graph, GridScheduler grid) {
    this(name, List.of(graph), grid);
  }

  /**
   * Several graphs run in order as one unit, for work too large for one TornadoVM graph (its
   * graph holds at most 1024 nodes). They share device buffers by chaining: each graph after
   * the first consumes its buffers from the graph before it ({@code consumeFromDevice}) and
   * persists them for the next ({@code persistOnDevice}), so the graphs must run in list order.
   */
  DeviceGraph(String name, List<TaskGraph> graphs, GridScheduler grid) {
    BUILT.incrementAndGet();
    this.name = name;
    this.graphs = graphs.size();
    this.plan = new TornadoExecutionPlan(graphs.stream().map(TaskGraph::snapshot).toArray(ImmutableTaskGraph[]::new));
    if (grid != null) plan.withGridScheduler(grid);
    plan.withCompilerFlags(TornadoVMBackendType.OPENCL, OPENCL_FLAGS);
  }

  /** Runs every task of the graph(s) once (transfers included); throws if TornadoVM bailed out. */
  void run() {
    RUNS.incrementAndGet();
    try {
      if (graphs == 1) {
        last = plan.execute();
      } else {
        // one at a time: a graph picks its buffers up from the graph executed just before it
        for (int i = 0; i < graphs; i++) last = plan.withGraph(i).execute();
      }
    } catch (TornadoBailoutRuntimeException e) {
      throw new IllegalStateException("tornado backend: kernel graph '" + name + "' bailed out to "
          + "sequential Java (refused; fix the kernel, raise -D" + BYTECODE_SIZE + "=" + System.getProperty(BYTECODE_SIZE)
          + " for a larger graph, or run with -Djlora.backend=vector): "
          + firstLines(e.getMessage()), e);
    }
  }

  /**
   * Copies {@code objects}, declared {@code UNDER_DEMAND} in the graph, from the device into their
   * host buffers (their values after the last {@link #run()}).
   */
  void transferToHost(Object... objects) {
    if (last == null) throw new IllegalStateException("tornado backend: graph '" + name + "' has not run yet");
    last.transferToHost(objects);
  }

  /** Frees the graphs' device buffers. */
  void close() {
    plan.freeDeviceMemory();
  }

  /** The graphs run per {@link #run()}. */
  int graphCount() {
    return graphs;
  }

  /** How many execution plans (one per kernel-by-kernel shape, one per compiled step) this JVM has built. */
  static long built() {
    return BUILT.get();
  }

  /** How many graph executions this JVM has started. */
  static long runs() {
    return RUNS.get();
  }

  /** TornadoVM's message up to the stack trace it inlines as text (the cause keeps the full one). */
  private static String firstLines(String message) {
    if (message == null) return "(no message)";
    int trace = message.indexOf("Stacktrace:");
    return (trace < 0 ? message : message.substring(0, trace)).strip();
  }
}
