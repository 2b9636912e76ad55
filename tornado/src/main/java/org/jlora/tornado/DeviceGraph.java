package org.jlora.tornado;

import java.util.concurrent.atomic.AtomicLong;
import uk.ac.manchester.tornado.api.GridScheduler;
import uk.ac.manchester.tornado.api.TaskGraph;
import uk.ac.manchester.tornado.api.TornadoExecutionPlan;
import uk.ac.manchester.tornado.api.exceptions.TornadoBailoutRuntimeException;

/**
 * One compiled task graph and its execution plan, built once per kernel shape and reused. A
 * bailout (TornadoVM giving up on compiling a kernel and running the Java method sequentially) is
 * an error here: KernelContext kernels are wrong when run as plain Java, and the others would be
 * silently slow; {@link TornadoBackend} starts the runtime with {@code tornado.recover.bailout=false}
 * so a bailout surfaces as an exception, which {@link #run()} names.
 */
final class DeviceGraph {
  /** Graph executions in this JVM (tests use it to check a step really ran on the device). */
  private static final AtomicLong RUNS = new AtomicLong();

  private final String name;
  private final TornadoExecutionPlan plan;

  /** {@code graph}: its tasks and transfers; {@code grid}: work-group sizes, or null for TornadoVM's. */
  DeviceGraph(String name, TaskGraph graph, GridScheduler grid) {
    this.name = name;
    this.plan = new TornadoExecutionPlan(graph.snapshot());
    if (grid != null) plan.withGridScheduler(grid);
  }

  /** Runs every task of the graph once (transfers included); throws if TornadoVM bailed out. */
  void run() {
    RUNS.incrementAndGet();
    try {
      plan.execute();
    } catch (TornadoBailoutRuntimeException e) {
      throw new IllegalStateException("tornado backend: kernel graph '" + name + "' bailed out to "
          + "sequential Java (refused; fix the kernel or run with -Djlora.backend=vector): "
          + firstLines(e.getMessage()), e);
    }
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
