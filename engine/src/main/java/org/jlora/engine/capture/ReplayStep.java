package org.jlora.engine.capture;

import org.jlora.engine.Backend;

/**
 * A captured step run on the host by calling its recorded kernels again, in order, on the same
 * tensors. Nothing is allocated and no graph is built: every activation and gradient buffer of
 * the first step is reused by every later one.
 */
public final class ReplayStep implements CompiledStep {
  private final CapturedProgram program;
  private final Backend backend;

  public ReplayStep(CapturedProgram program, Backend backend) {
    this.program = program;
    this.backend = backend;
  }

  @Override
  public void run() {
    for (KernelCall call : program.calls()) call.invoke(backend);
  }

  @Override
  public void syncToHost() {
    // the results are host tensors already
  }

  @Override
  public String describe() {
    return "replaying " + program.calls().size() + " kernel calls on the " + backend.name() + " backend ("
        + program.bytes() / (1 << 20) + " MiB of buffers, reused every step)";
  }
}
