package org.jlora.examples.cli;

import org.jlora.engine.Backend;
import org.jlora.engine.Backends;
import org.jlora.engine.Parallel;
import picocli.CommandLine.Option;

/** Where the benchmarks' kernels run: {@code --threads} and {@code --backend}, shared by every bench command. */
public final class KernelOptions {
  @Option(names = "--threads", description = "kernel threads (0 or unset: -Djlora.threads, else all cores)")
  Integer threads;

  @Option(names = "--backend", description = "scalar | vector | tornado (default: -Djlora.backend, else vector)")
  String backend;

  /** Applies both (a clear error for a bad value) and returns the backend now in use. */
  Backend apply() {
    if (threads != null) {
      if (threads < 0) throw new IllegalArgumentException("--threads must be >= 0 (0: all cores), got " + threads);
      if (threads > 0) Parallel.setThreads(threads);
    }
    if (backend != null) Backends.use(backend);
    return Backends.current();
  }
}
